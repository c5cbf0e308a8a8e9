#include "engine/optim/grad_utils.h"

#include "engine/ops/kernel_table.h"
#include "engine/ops/step_gate.h"
#include "kernels/common/check.h"
#include "kernels/common/step_gate.h"
#include "kernels/cpu/optimizer_update.h"
#include "kernels/cuda/optimizer_update.h"

namespace autospace::optim {

namespace {

const ops::KernelTable<decltype(kernels::cpu::gradient_norm)> kGradientNorm{"gradient_norm",
                                                                          {AUTOSPACE_F32_KERNELS(gradient_norm)}};
const ops::KernelTable<decltype(kernels::cpu::scale_in_place_many)> kScaleInPlaceMany{
    "scale_in_place_many", {AUTOSPACE_F32_KERNELS(scale_in_place_many)}};

// The defined gradients of `params`, as the multi-tensor kernels take them, and their device.
struct DeviceGrads {
  Device device = Device::cpu();
  std::vector<float*> data;
  std::vector<std::int64_t> sizes;
};
DeviceGrads defined_grads(const std::vector<Tensor>& params) {
  DeviceGrads d;
  if (!params.empty()) d.device = params.front().device();
  bool first = true;
  for (const Tensor& p : params) {
    const Tensor& g = p.grad();
    if (!g.defined()) continue;
    if (first) d.device = g.device();
    AUTOSPACE_CHECK(g.device() == d.device, "gradient norm: gradients on ", d.device.str(), " and ", g.device().str(),
                    "; they must lie on one device");
    first = false;
    d.data.push_back(g.data<float>());
    d.sizes.push_back(g.numel());
  }
  return d;
}

// The norm, and with max_norm > 0 the gradients clipped, one multi-tensor call each.
Tensor norm_and_clip(const std::vector<Tensor>& params, double max_norm) {
  const DeviceGrads d = defined_grads(params);
  const Tensor norm = Tensor::empty({1}, DType::f32, d.device);
  const Tensor scale = max_norm > 0 ? Tensor::empty({1}, DType::f32, d.device) : Tensor();
  const auto count = static_cast<std::int64_t>(d.data.size());
  kGradientNorm(d.device, DType::f32)(count, d.data.data(), d.sizes.data(), norm.data<float>(), max_norm,
                                      scale.defined() ? scale.data<float>() : nullptr);
  if (scale.defined() && count > 0)
    kScaleInPlaceMany(d.device, DType::f32)(count, d.data.data(), d.sizes.data(), scale.data<float>());
  return norm;
}

}  // namespace

Tensor grad_norm(const std::vector<Tensor>& params) { return norm_and_clip(params, 0); }

Tensor clip_grad_norm(const std::vector<Tensor>& params, double max_norm) {
  AUTOSPACE_CHECK(max_norm > 0, "clip_grad_norm: max_norm ", max_norm, " must be positive");
  return norm_and_clip(params, max_norm);
}

Tensor NonFiniteGuard::judge(const Tensor& loss, const Tensor& gradient_norm) {
  const Device device = gradient_norm.device();
  if (!counters_.defined()) counters_ = Tensor::zeros({kernels::kGuardCounters}, DType::i64, device);
  AUTOSPACE_CHECK(counters_.device() == device, "non-finite guard: judging on ", device.str(),
                  " a guard that judged on ", counters_.device().str());
  Tensor gate = Tensor::empty({1}, DType::f32, device);
  ops::judge_step(loss.device() == device ? loss : loss.to(device), gradient_norm, gate, counters_);
  return gate;
}

NonFiniteGuard::Counts NonFiniteGuard::read() const {
  if (!counters_.defined()) return {};
  const Tensor host = counters_.to(Device::cpu());
  const std::int64_t* c = host.data<std::int64_t>();
  const Counts counts{c[kernels::kJudged], c[kernels::kSkipped], c[kernels::kSkippedLoss],
                      c[kernels::kConsecutive] == 0};
  if (c[kernels::kLongestRun] > max_consecutive_)
    AUTOSPACE_THROW("training diverged: ", c[kernels::kLongestRun], " steps in a row had a non-finite loss or gradient "
                    "(limit ", max_consecutive_, "; ", counts.skipped, " skipped in total, ", counts.skipped_loss,
                    " of them with a non-finite loss)");
  return counts;
}

bool NonFiniteGuard::accept(double loss, const Tensor& gradient_norm) {
  judge(Tensor::from_vector({static_cast<float>(loss)}, {1}), gradient_norm);
  return read().last_applied;
}

}  // namespace autospace::optim
