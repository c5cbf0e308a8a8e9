#include "engine/nn/dropout.h"

#include "engine/ops/dropout.h"

namespace autospace::nn {

Tensor Dropout::forward(const Tensor& x) { return ops::dropout(x, p_, is_training(), key_); }

void set_rng_step(Module& module, std::uint32_t epoch, std::uint32_t step) {
  if (auto* d = dynamic_cast<Dropout*>(&module)) d->set_step(epoch, step);
  for (auto& [name, child] : module.named_children()) set_rng_step(*child, epoch, step);
}

namespace {

void set_dropout_training(Module& module, bool on) {
  if (auto* d = dynamic_cast<Dropout*>(&module)) d->train(on);
  for (auto& [name, child] : module.named_children()) set_dropout_training(*child, on);
}

}  // namespace

void train_without_dropout(Module& module) {
  module.train();
  set_dropout_training(module, false);
}

}  // namespace autospace::nn
