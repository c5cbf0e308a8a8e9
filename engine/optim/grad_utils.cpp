#include "engine/optim/grad_utils.h"

#include <cmath>
#include <map>

#include "engine/ops/op_support.h"
#include "kernels/common/check.h"
#include "kernels/cpu/optimizer_update.h"
#include "kernels/cuda/optimizer_update.h"

namespace autospace::optim {

double grad_norm(const std::vector<Tensor>& params) {
  double sum = 0;
  // A GPU's gradients are summed in one call, so that the norm costs one synchronisation.
  struct DeviceGrads {
    std::vector<const float*> data;
    std::vector<std::int64_t> sizes;
  };
  std::map<int, DeviceGrads> on_gpu;
  for (const Tensor& p : params) {
    const Tensor& g = p.grad();
    if (!g.defined()) continue;
    if (g.device().is_cpu()) {
      sum += kernels::cpu::sum_of_squares(g.numel(), g.data<float>());
    } else {
      DeviceGrads& d = on_gpu[g.device().index];
      d.data.push_back(g.data<float>());
      d.sizes.push_back(g.numel());
    }
  }
  for (const auto& [index, d] : on_gpu)
    AUTOSPACE_CUDA_OP(Device::cuda(index), "grad_norm",
                      sum += kernels::cuda::sum_of_squares(static_cast<std::int64_t>(d.data.size()), d.data.data(),
                                                           d.sizes.data()));
  return std::sqrt(sum);
}

double clip_grad_norm(const std::vector<Tensor>& params, double max_norm) {
  const double norm = grad_norm(params);
  if (std::isfinite(norm) && norm > max_norm) {
    const float scale = static_cast<float>(max_norm / (norm + 1e-6));
    for (const Tensor& p : params) {
      const Tensor& g = p.grad();
      if (!g.defined()) continue;
      if (g.device().is_cpu())
        kernels::cpu::scale_in_place(g.numel(), g.data<float>(), scale);
      else
        AUTOSPACE_CUDA_OP(g.device(), "clip_grad_norm",
                          kernels::cuda::scale_in_place(g.numel(), g.data<float>(), scale));
    }
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
