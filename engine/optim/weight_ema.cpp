#include "engine/optim/weight_ema.h"

#include "engine/ops/op_support.h"
#include "engine/optim/update_kernels.h"

namespace autospace::optim {

namespace {

// shadow += (1 - decay) * (model - shadow). The optimisers' SGD kernel without momentum
// computes w -= lr * (g + wd * w); with w = shadow, g = model, lr = -(1 - decay) and
// wd = -1 that is exactly this update, on the CPU and on the GPU alike.
void move_towards(const Tensor& shadow, const Tensor& model, float rate) {
  const std::int64_t n = shadow.numel();
  kSgdUpdate(shadow.device(), DType::f32)(n, shadow.data<float>(), model.data<float>(), nullptr, -rate, 0.f, -1.f,
                                          false, false);
}

}  // namespace

WeightEma::WeightEma(std::shared_ptr<nn::Module> shadow, const nn::Module& model, double decay)
    : shadow_(std::move(shadow)), decay_(decay) {
  AUTOSPACE_CHECK(decay > 0 && decay < 1, "weight EMA decay ", decay, " outside (0, 1)");
  nn::load_state(*shadow_, nn::state_of(model), "weight EMA");
  shadow_state_ = nn::state_of(*shadow_);
  for (const auto& [name, t] : shadow_state_)
    AUTOSPACE_CHECK(t.dtype() == DType::f32, "weight EMA: ", name, " is not f32");
}

void WeightEma::update(const nn::Module& model) {
  const std::vector<NamedTensor> state = nn::state_of(model);
  AUTOSPACE_CHECK(state.size() == shadow_state_.size(), "weight EMA: the model has ", state.size(),
                  " state tensors, the shadow ", shadow_state_.size());
  const float rate = static_cast<float>(1.0 - decay_);
  for (std::size_t i = 0; i < state.size(); ++i) move_towards(shadow_state_[i].second, state[i].second, rate);
}

}  // namespace autospace::optim
