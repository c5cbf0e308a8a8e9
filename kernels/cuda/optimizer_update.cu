#include "kernels/cuda/optimizer_update.h"

#include <cmath>
#include <vector>

#include "kernels/common/optimizer_step.h"
#include "kernels/cuda/reduce.cuh"

namespace autospace::kernels::cuda {

void sgd_update(std::int64_t n, float* w, const float* g, float* buf, float lr, float momentum, float weight_decay,
                bool nesterov, bool first_step) {
  if (momentum == 0.f) {
    launch_map(n, [=] __device__(auto i) { sgd_plain_step(w[i], g[i], lr, weight_decay); });
    return;
  }
  launch_map(n, [=] __device__(auto i) {
    sgd_momentum_step(w[i], g[i], buf[i], lr, momentum, weight_decay, nesterov, first_step);
  });
}

void adam_update(std::int64_t n, float* w, const float* g, float* m, float* v, float lr, float beta1, float beta2,
                 float eps, float weight_decay, std::int64_t step) {
  // Bias corrections on the host in double, as on the CPU.
  const AdamStepScale scale = adam_step_scale(lr, beta1, beta2, step);
  launch_map(n, [=] __device__(auto i) { adam_step(w[i], g[i], m[i], v[i], scale, beta1, beta2, eps, weight_decay); });
}

double sum_of_squares(std::int64_t count, const float* const* xs, const std::int64_t* sizes) {
  // Every array's block partials go to one buffer; one final pass adds them all.
  std::vector<std::int64_t> offsets(static_cast<std::size_t>(count) + 1, 0);
  for (std::int64_t k = 0; k < count; ++k)
    offsets[static_cast<std::size_t>(k) + 1] =
        offsets[static_cast<std::size_t>(k)] + (sizes[k] > 0 ? flat_blocks(sizes[k]) : 0);
  const std::int64_t partials = offsets.back();
  if (partials == 0) return 0.0;
  Scratch partial((static_cast<std::size_t>(partials) + 1) * sizeof(double));
  double* p = partial.as<double>();
  for (std::int64_t k = 0; k < count; ++k) {
    if (sizes[k] <= 0) continue;
    const float* x = xs[k];
    flat_partials<1>(
        sizes[k], [=] __device__(std::int64_t i, double* acc) { acc[0] += static_cast<double>(x[i]) * x[i]; },
        p + offsets[static_cast<std::size_t>(k)]);
  }
  double* total = p + partials;
  flat_finish<1>(partials, p, [=] __device__(const double* t) { total[0] = t[0]; });
  double result = 0;
  copy_device_to_host(&result, total, sizeof(double));
  return result;
}

void scale_in_place(std::int64_t n, float* x, float s) {
  launch_map(n, [=] __device__(auto i) { x[i] *= s; });
}

}  // namespace autospace::kernels::cuda
