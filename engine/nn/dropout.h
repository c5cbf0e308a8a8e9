#pragma once
#include "engine/nn/module.h"
#include "engine/rng/rng.h"

namespace autospace::nn {

// Dropout whose mask is a function of (seed, epoch, step, element): the training loop
// announces the step with set_rng_step(), so a resumed run draws the same masks.
class Dropout : public Module {
 public:
  Dropout(float p, std::uint64_t seed) : p_(p), key_{seed, RngPurpose::dropout, 0, 0} {}
  Tensor forward(const Tensor& x) override;
  void set_step(std::uint32_t epoch, std::uint32_t step) {
    key_.epoch = epoch;
    key_.step = step;
  }

 private:
  float p_;
  RngKey key_;
};

// Sets the (epoch, step) of every Dropout inside `module`.
void set_rng_step(Module& module, std::uint32_t epoch, std::uint32_t step);

// Training mode for batch norm (batch statistics) with every Dropout inside `module` —
// a head's dropout, drop-path — turned off: what BN recalibration and a training-step
// dump run, since dropout would change the statistics downstream of it.
void train_without_dropout(Module& module);

}  // namespace autospace::nn
