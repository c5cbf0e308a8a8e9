#include "kernels/cpu/activation.h"

#include "kernels/cpu/activation_math.h"

namespace autospace::kernels::cpu {

namespace {

constexpr std::int64_t kParallelMin = 32768;

template <class F> void map(std::int64_t n, const float* x, float* y, F f) {
#pragma omp parallel for simd schedule(static) if (n > kParallelMin)
  for (std::int64_t i = 0; i < n; ++i) y[i] = f(x[i]);
}

template <class F> void map2(std::int64_t n, const float* a, const float* b, float* out, F f) {
#pragma omp parallel for simd schedule(static) if (n > kParallelMin)
  for (std::int64_t i = 0; i < n; ++i) out[i] = f(a[i], b[i]);
}

}  // namespace

void activation(ActivationKind kind, std::int64_t n, const float* x, float* y) {
  dispatch_activation(kind, [&](auto k) { map(n, x, y, [](float v) { return activate<decltype(k)::value>(v); }); });
}

void activation_backward(ActivationKind kind, std::int64_t n, const float* x, const float* y, const float* dy,
                         float* dx) {
  // The sigmoid's derivative comes from its output; the identity's reads neither pointer.
  if (kind == ActivationKind::sigmoid) {
    map2(n, y, dy, dx, [](float s, float g) { return g * s * (1.0f - s); });
    return;
  }
  if (kind == ActivationKind::identity) {
    map(n, dy, dx, [](float g) { return g; });
    return;
  }
  dispatch_activation(kind, [&](auto k) {
    map2(n, x, dy, dx, [](float v, float g) { return activate_backward<decltype(k)::value>(v, g); });
  });
}

}  // namespace autospace::kernels::cpu
