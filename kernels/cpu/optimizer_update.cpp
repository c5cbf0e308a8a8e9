#include "kernels/cpu/optimizer_update.h"

#include "kernels/common/optimizer_step.h"

namespace autospace::kernels::cpu {

void sgd_update(std::int64_t n, float* w, const float* g, float* buf, float lr, float momentum, float weight_decay,
                bool nesterov, bool first_step) {
  if (momentum == 0.f) {
#pragma omp parallel for simd schedule(static) if (n > 65536)
    for (std::int64_t i = 0; i < n; ++i) sgd_plain_step(w[i], g[i], lr, weight_decay);
    return;
  }
#pragma omp parallel for simd schedule(static) if (n > 65536)
  for (std::int64_t i = 0; i < n; ++i)
    sgd_momentum_step(w[i], g[i], buf[i], lr, momentum, weight_decay, nesterov, first_step);
}

void sgd_update_many(std::int64_t count, const SgdTensor* tensors, float momentum, bool nesterov) {
  for (std::int64_t k = 0; k < count; ++k) {
    const SgdTensor& t = tensors[k];
    sgd_update(t.n, t.w, t.g, t.buf, t.lr, momentum, t.weight_decay, nesterov, t.first_step);
  }
}

void adam_update(std::int64_t n, float* w, const float* g, float* m, float* v, float lr, float beta1, float beta2,
                 float eps, float weight_decay, std::int64_t step) {
  const AdamStepScale scale = adam_step_scale(lr, beta1, beta2, step);
#pragma omp parallel for simd schedule(static) if (n > 65536)
  for (std::int64_t i = 0; i < n; ++i) adam_step(w[i], g[i], m[i], v[i], scale, beta1, beta2, eps, weight_decay);
}

void adam_update_many(std::int64_t count, const AdamTensor* tensors, float beta1, float beta2, float eps) {
  for (std::int64_t k = 0; k < count; ++k) {
    const AdamTensor& t = tensors[k];
    adam_update(t.n, t.w, t.g, t.m, t.v, t.lr, beta1, beta2, eps, t.weight_decay, t.step);
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

void scale_in_place_many(std::int64_t count, float* const* xs, const std::int64_t* sizes, float s) {
  for (std::int64_t k = 0; k < count; ++k) scale_in_place(sizes[k], xs[k], s);
}

}  // namespace autospace::kernels::cpu
