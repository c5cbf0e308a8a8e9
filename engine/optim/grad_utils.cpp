#include "engine/optim/grad_utils.h"

#include <cmath>
#include <map>

#include "engine/ops/kernel_table.h"
#include "engine/ops/op_support.h"
#include "kernels/common/check.h"
#include "kernels/cpu/optimizer_update.h"
#include "kernels/cuda/optimizer_update.h"

namespace autospace::optim {

namespace {

// The CPU's sum of squares is per tensor; this sums a device's list, the GPU kernel's
// signature, so that one table serves both.
double cpu_sum_of_squares(std::int64_t count, const float* const* xs, const std::int64_t* sizes) {
  double sum = 0;
  for (std::int64_t i = 0; i < count; ++i) sum += kernels::cpu::sum_of_squares(sizes[i], xs[i]);
  return sum;
}

const ops::KernelTable<decltype(cpu_sum_of_squares)> kSumOfSquares{
    "sum_of_squares",
    {{DeviceKind::cpu, DType::f32,
      &cpu_sum_of_squares} AUTOSPACE_IF_CUDA(, {DeviceKind::cuda, DType::f32, &kernels::cuda::sum_of_squares})}};
const ops::KernelTable<decltype(kernels::cpu::scale_in_place_many)> kScaleInPlaceMany{
    "scale_in_place_many", {AUTOSPACE_F32_KERNELS(scale_in_place_many)}};

// The defined gradients of `params` by device, as the multi-tensor kernels take them.
struct DeviceGrads {
  std::vector<float*> data;
  std::vector<std::int64_t> sizes;
};
std::map<std::pair<DeviceKind, int>, DeviceGrads> grads_by_device(const std::vector<Tensor>& params) {
  std::map<std::pair<DeviceKind, int>, DeviceGrads> out;
  for (const Tensor& p : params) {
    const Tensor& g = p.grad();
    if (!g.defined()) continue;
    DeviceGrads& d = out[{g.device().kind, g.device().index}];
    d.data.push_back(g.data<float>());
    d.sizes.push_back(g.numel());
  }
  return out;
}

}  // namespace

double grad_norm(const std::vector<Tensor>& params) {
  // Each device's gradients are summed in one call, so that a GPU's norm costs one
  // synchronisation.
  double sum = 0;
  for (const auto& [device, d] : grads_by_device(params))
    sum += kSumOfSquares(Device{device.first, device.second}, DType::f32)(static_cast<std::int64_t>(d.data.size()),
                                                                          d.data.data(), d.sizes.data());
  return std::sqrt(sum);
}

double clip_grad_norm(const std::vector<Tensor>& params, double max_norm) {
  const double norm = grad_norm(params);
  if (std::isfinite(norm) && norm > max_norm) {
    const float scale = static_cast<float>(max_norm / (norm + 1e-6));
    for (const auto& [device, d] : grads_by_device(params))  // one multi-tensor call per device
      kScaleInPlaceMany(Device{device.first, device.second}, DType::f32)(static_cast<std::int64_t>(d.data.size()),
                                                                         d.data.data(), d.sizes.data(), scale);
  }
  return norm;
}

bool NonFiniteGuard::accept(double loss, double gradient_norm) {
  if (std::isfinite(loss) && std::isfinite(gradient_norm)) {
    consecutive_ = 0;
    return true;
  }
  ++skipped_;
  if (++consecutive_ > max_consecutive_)
    AUTOSPACE_THROW("training diverged: ", consecutive_, " steps in a row had a non-finite ",
                    std::isfinite(loss) ? "gradient" : "loss", " (limit ", max_consecutive_, "; ", skipped_,
                    " skipped in total)");
  return false;
}

}  // namespace autospace::optim
