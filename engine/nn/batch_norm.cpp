#include "engine/nn/batch_norm.h"

namespace autospace::nn {

BatchNorm2d::BatchNorm2d(std::int64_t channels, float momentum, float eps, ops::Activation activation)
    : momentum_(momentum), eps_(eps), activation_(activation) {
  gamma_ = register_parameter("weight", {channels}, Init::ones);
  beta_ = register_parameter("bias", {channels}, Init::zeros);
  running_mean_ = register_buffer("running_mean", {channels}, 0.f);
  running_var_ = register_buffer("running_var", {channels}, 1.f);
}

Tensor BatchNorm2d::forward(const Tensor& x) {
  ops::BatchNormOptions o;
  o.training = is_training();
  o.eps = eps_;
  o.momentum = momentum_;
  o.activation = activation_;
  if (recalibrating_ && o.training) o.momentum = 1.f / static_cast<float>(++recalibration_batches_);
  return ops::batch_norm(x, gamma_, beta_, running_mean_, running_var_, o);
}

void BatchNorm2d::begin_recalibration() {
  running_mean_.fill(0.f);
  running_var_.fill(1.f);
  recalibrating_ = true;
  recalibration_batches_ = 0;
}

namespace {
template <class F> void for_each_bn(Module& m, F f) {
  if (auto* bn = dynamic_cast<BatchNorm2d*>(&m)) f(*bn);
  for (auto& [name, child] : m.named_children()) for_each_bn(*child, f);
}
}  // namespace

void begin_bn_recalibration(Module& module) {
  for_each_bn(module, [](BatchNorm2d& bn) { bn.begin_recalibration(); });
}
void end_bn_recalibration(Module& module) {
  for_each_bn(module, [](BatchNorm2d& bn) { bn.end_recalibration(); });
}

}  // namespace autospace::nn
