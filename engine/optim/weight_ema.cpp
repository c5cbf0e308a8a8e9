#include "engine/optim/weight_ema.h"

#include "engine/ops/op_support.h"
#include "engine/optim/update_kernels.h"

namespace autospace::optim {

WeightEma::WeightEma(std::shared_ptr<nn::Module> shadow, const nn::Module& model, double decay)
    : shadow_(std::move(shadow)), decay_(decay) {
  AUTOSPACE_CHECK(decay > 0 && decay < 1, "weight EMA decay ", decay, " outside (0, 1)");
  nn::load_state(*shadow_, nn::state_of(model), "weight EMA");
  shadow_state_ = nn::state_of(*shadow_);
  for (const auto& [name, t] : shadow_state_)
    AUTOSPACE_CHECK(t.dtype() == DType::f32, "weight EMA: ", name, " is not f32");
}

void WeightEma::update(const nn::Module& model, const Tensor& gate) {
  const std::vector<NamedTensor> state = nn::state_of(model);
  AUTOSPACE_CHECK(state.size() == shadow_state_.size(), "weight EMA: the model has ", state.size(),
                  " state tensors, the shadow ", shadow_state_.size());
  // shadow += (1 - decay) * (model - shadow). SGD's update without momentum computes
  // w -= lr * (g + wd * w); with w = shadow, g = model, lr = -(1 - decay) and wd = -1 that is
  // exactly this update, on the CPU and on the GPU alike, for every tensor in one call.
  const float rate = static_cast<float>(1.0 - decay_);
  if (state.empty()) return;
  const Device device = shadow_state_.front().second.device();
  std::vector<kernels::SgdTensor> tensors;
  for (std::size_t i = 0; i < state.size(); ++i) {
    const Tensor &shadow = shadow_state_[i].second, &current = state[i].second;
    AUTOSPACE_CHECK(shadow.device() == device && current.device() == device && current.numel() == shadow.numel(),
                    "weight EMA: ", state[i].first, " is on ", current.device().str(), " with ", current.numel(),
                    " elements, its shadow on ", shadow.device().str(), " with ", shadow.numel(),
                    "; every shadow must be on ", device.str());
    tensors.push_back({.w = shadow.data<float>(), .g = current.data<float>(), .n = shadow.numel(), .lr = -rate,
                       .weight_decay = -1.f});
  }
  AUTOSPACE_CHECK(!gate.defined() || gate.device() == device, "weight EMA: the gate is on ", gate.device().str(),
                  ", the shadow on ", device.str());
  kSgdUpdateMany(device, DType::f32)(static_cast<std::int64_t>(tensors.size()), tensors.data(), 0.f, false,
                                     gate.defined() ? gate.data<float>() : nullptr);
}

}  // namespace autospace::optim
