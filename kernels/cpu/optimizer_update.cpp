#include "kernels/cpu/optimizer_update.h"

#include <cmath>

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

void sgd_update_many(std::int64_t count, const SgdTensor* tensors, float momentum, bool nesterov, const float* gate) {
  if (gate && gate[0] == 0.f) return;
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

void gradient_norm(std::int64_t count, const float* const* xs, const std::int64_t* sizes, float* norm,
                   double max_norm, float* clip_scale) {
  double sum = 0;
  for (std::int64_t k = 0; k < count; ++k) {
    const float* x = xs[k];
    double s = 0;
#pragma omp parallel for reduction(+ : s) schedule(static) if (sizes[k] > 65536)
    for (std::int64_t i = 0; i < sizes[k]; ++i) s += static_cast<double>(x[i]) * x[i];
    sum += s;
  }
  const double root = std::sqrt(sum);
  norm[0] = static_cast<float>(root);
  if (clip_scale) clip_scale[0] = clip_factor(root, max_norm);
}

void scale_in_place_many(std::int64_t count, float* const* xs, const std::int64_t* sizes, const float* scale) {
  const float s = scale[0];
  if (s == 1.f) return;
  for (std::int64_t k = 0; k < count; ++k) {
    float* x = xs[k];
#pragma omp parallel for simd schedule(static) if (sizes[k] > 65536)
    for (std::int64_t i = 0; i < sizes[k]; ++i) x[i] *= s;
  }
}

}  // namespace autospace::kernels::cpu
