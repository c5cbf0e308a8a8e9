#include "kernels/cuda/optimizer_update.h"

#include <cmath>
#include <vector>

#include "kernels/cuda/reduce.cuh"

namespace autospace::kernels::cuda {

void sgd_update(std::int64_t n, float* w, const float* g, float* buf, float lr, float momentum, float weight_decay,
                bool nesterov, bool first_step) {
  if (momentum == 0.f) {
    launch_map(n, [=] __device__(auto i) { w[i] -= lr * (g[i] + weight_decay * w[i]); });
    return;
  }
  launch_map(n, [=] __device__(auto i) {
    const float d = g[i] + weight_decay * w[i];
    const float b = first_step ? d : momentum * buf[i] + d;
    buf[i] = b;
    w[i] -= lr * (nesterov ? d + momentum * b : b);
  });
}

void adam_update(std::int64_t n, float* w, const float* g, float* m, float* v, float lr, float beta1, float beta2,
                 float eps, float weight_decay, std::int64_t step) {
  // Bias corrections on the host in double, as on the CPU.
  const double c1 = 1.0 - std::pow(static_cast<double>(beta1), static_cast<double>(step));
  const double c2 = 1.0 - std::pow(static_cast<double>(beta2), static_cast<double>(step));
  const float step_size = static_cast<float>(lr / c1);
  const float inv_sqrt_c2 = static_cast<float>(1.0 / std::sqrt(c2));
  launch_map(n, [=] __device__(auto i) {
    const float d = g[i] + weight_decay * w[i];
    const float mi = beta1 * m[i] + (1.f - beta1) * d;
    const float vi = beta2 * v[i] + (1.f - beta2) * d * d;
    m[i] = mi;
    v[i] = vi;
    w[i] -= step_size * mi / (sqrtf(vi) * inv_sqrt_c2 + eps);
  });
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
