#include "kernels/cpu/optimizer_update.h"

#include <cmath>

namespace autospace::kernels::cpu {

void sgd_update(std::int64_t n, float* w, const float* g, float* buf, float lr, float momentum, float weight_decay,
                bool nesterov, bool first_step) {
  if (momentum == 0.f) {
#pragma omp parallel for simd schedule(static) if (n > 65536)
    for (std::int64_t i = 0; i < n; ++i) w[i] -= lr * (g[i] + weight_decay * w[i]);
    return;
  }
#pragma omp parallel for simd schedule(static) if (n > 65536)
  for (std::int64_t i = 0; i < n; ++i) {
    const float d = g[i] + weight_decay * w[i];
    const float b = first_step ? d : momentum * buf[i] + d;
    buf[i] = b;
    w[i] -= lr * (nesterov ? d + momentum * b : b);
  }
}

void adam_update(std::int64_t n, float* w, const float* g, float* m, float* v, float lr, float beta1, float beta2,
                 float eps, float weight_decay, std::int64_t step) {
  const double c1 = 1.0 - std::pow(static_cast<double>(beta1), static_cast<double>(step));
  const double c2 = 1.0 - std::pow(static_cast<double>(beta2), static_cast<double>(step));
  const float step_size = static_cast<float>(lr / c1);
  const float inv_sqrt_c2 = static_cast<float>(1.0 / std::sqrt(c2));
#pragma omp parallel for simd schedule(static) if (n > 65536)
  for (std::int64_t i = 0; i < n; ++i) {
    const float d = g[i] + weight_decay * w[i];
    m[i] = beta1 * m[i] + (1.f - beta1) * d;
    v[i] = beta2 * v[i] + (1.f - beta2) * d * d;
    w[i] -= step_size * m[i] / (std::sqrt(v[i]) * inv_sqrt_c2 + eps);
  }
}

double sum_of_squares(std::int64_t n, const float* x) {
  double s = 0;
#pragma omp parallel for reduction(+ : s) schedule(static) if (n > 65536)
  for (std::int64_t i = 0; i < n; ++i) s += static_cast<double>(x[i]) * x[i];
  return s;
}

void scale_in_place(std::int64_t n, float* x, float s) {
#pragma omp parallel for simd schedule(static) if (n > 65536)
  for (std::int64_t i = 0; i < n; ++i) x[i] *= s;
}

}  // namespace autospace::kernels::cpu
