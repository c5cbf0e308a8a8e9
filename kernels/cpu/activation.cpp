#include "kernels/cpu/activation.h"

#include "kernels/cpu/activation_math.h"

namespace autospace::kernels::cpu {

namespace {

constexpr std::int64_t kParallelMin = 32768;

template <class T, class F> void map(std::int64_t n, const T* x, T* y, F f) {
#pragma omp parallel for simd schedule(static) if (n > kParallelMin)
  for (std::int64_t i = 0; i < n; ++i) y[i] = from_float<T>(f(to_float(x[i])));
}

template <class T, class F> void map2(std::int64_t n, const T* a, const T* b, T* out, F f) {
#pragma omp parallel for simd schedule(static) if (n > kParallelMin)
  for (std::int64_t i = 0; i < n; ++i) out[i] = from_float<T>(f(to_float(a[i]), to_float(b[i])));
}

}  // namespace

template <class T> void activation(ActivationKind kind, std::int64_t n, const T* x, T* y) {
  dispatch_activation(kind, [&](auto k) { map(n, x, y, [](float v) { return activate<decltype(k)::value>(v); }); });
}

template <class T>
void activation_backward(ActivationKind kind, std::int64_t n, const T* x, const T* y, const T* dy, T* dx) {
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

template void activation<float>(ActivationKind, std::int64_t, const float*, float*);
template void activation<bf16>(ActivationKind, std::int64_t, const bf16*, bf16*);
template void activation_backward<float>(ActivationKind, std::int64_t, const float*, const float*, const float*,
                                         float*);
template void activation_backward<bf16>(ActivationKind, std::int64_t, const bf16*, const bf16*, const bf16*, bf16*);

}  // namespace autospace::kernels::cpu
