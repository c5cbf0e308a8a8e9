#include "engine/optim/grad_utils.h"

#include <cmath>

#include "kernels/common/check.h"
#include "kernels/cpu/optimizer_update.h"

namespace autospace::optim {

double grad_norm(const std::vector<Tensor>& params) {
  double sum = 0;
  for (const Tensor& p : params) {
    const Tensor& g = p.grad();
    if (!g.defined()) continue;
    AUTOSPACE_CHECK(g.device().is_cpu(), "grad_norm: no kernel for ", g.device().str(), " yet");
    sum += kernels::cpu::sum_of_squares(g.numel(), g.data<float>());
  }
  return std::sqrt(sum);
}

double clip_grad_norm(const std::vector<Tensor>& params, double max_norm) {
  const double norm = grad_norm(params);
  if (std::isfinite(norm) && norm > max_norm) {
    const float scale = static_cast<float>(max_norm / (norm + 1e-6));
    for (const Tensor& p : params)
      if (p.grad().defined()) kernels::cpu::scale_in_place(p.grad().numel(), p.grad().data<float>(), scale);
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
