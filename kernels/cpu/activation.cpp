#include "kernels/cpu/activation.h"

#include <bit>

namespace autospace::kernels::cpu {

namespace {

constexpr std::int64_t kParallelMin = 32768;

// exp for loops that must vectorise (std::exp does not without -ffast-math):
// x = n ln2 + r with |r| <= ln2 / 2, e^r from its degree-7 Taylor polynomial (relative
// error below 1e-8 on that range), 2^n written into the exponent bits. The input is
// clamped to [-87, 88] so that 2^n stays a normal float; callers only need the
// saturated values out there.
inline float vector_exp(float x) {
  x = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
  constexpr float kRound = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer
  const float t = x * 1.44269504088896341f + kRound;
  const float n = t - kRound;
  const std::int32_t exponent = std::bit_cast<std::int32_t>(t) - std::bit_cast<std::int32_t>(kRound);
  // ln 2 in two parts so that n * ln2_hi is exact.
  const float r = (x - n * 0.693145751953125f) - n * 1.428606820309417232e-6f;
  // Estrin's scheme: a dependency chain of depth 4 instead of Horner's 14, so that
  // consecutive vectors overlap in the pipeline.
  const float r2 = r * r;
  const float r4 = r2 * r2;
  const float p01 = 1.0f + r, p23 = 0.5f + r * (1.0f / 6.0f);
  const float p45 = 1.0f / 24.0f + r * (1.0f / 120.0f), p67 = 1.0f / 720.0f + r * (1.0f / 5040.0f);
  const float p = (p01 + r2 * p23) + r4 * (p45 + r2 * p67);
  return p * std::bit_cast<float>((exponent + 127) << 23);
}

inline float vector_sigmoid(float x) { return 1.0f / (1.0f + vector_exp(-x)); }

template <class F> void map(std::int64_t n, const float* x, float* y, F f) {
#pragma omp parallel for simd schedule(static) if (n > kParallelMin)
  for (std::int64_t i = 0; i < n; ++i) y[i] = f(x[i]);
}

template <class F> void map2(std::int64_t n, const float* a, const float* b, float* out, F f) {
#pragma omp parallel for simd schedule(static) if (n > kParallelMin)
  for (std::int64_t i = 0; i < n; ++i) out[i] = f(a[i], b[i]);
}

inline float clamp06(float v) { return v < 0.0f ? 0.0f : (v > 6.0f ? 6.0f : v); }

}  // namespace

void activation(ActivationKind kind, std::int64_t n, const float* x, float* y) {
  switch (kind) {
    case ActivationKind::identity: map(n, x, y, [](float v) { return v; }); break;
    case ActivationKind::relu: map(n, x, y, [](float v) { return v > 0.0f ? v : 0.0f; }); break;
    case ActivationKind::relu6: map(n, x, y, [](float v) { return clamp06(v); }); break;
    case ActivationKind::swish: map(n, x, y, [](float v) { return v * vector_sigmoid(v); }); break;
    case ActivationKind::hswish: map(n, x, y, [](float v) { return v * clamp06(v + 3.0f) * (1.0f / 6.0f); }); break;
    case ActivationKind::sigmoid: map(n, x, y, [](float v) { return vector_sigmoid(v); }); break;
    case ActivationKind::hsigmoid: map(n, x, y, [](float v) { return clamp06(v + 3.0f) * (1.0f / 6.0f); }); break;
  }
}

void activation_backward(ActivationKind kind, std::int64_t n, const float* x, const float* y, const float* dy,
                         float* dx) {
  switch (kind) {
    case ActivationKind::identity: map(n, dy, dx, [](float g) { return g; }); break;
    case ActivationKind::relu: map2(n, x, dy, dx, [](float v, float g) { return v > 0.0f ? g : 0.0f; }); break;
    case ActivationKind::relu6:
      map2(n, x, dy, dx, [](float v, float g) { return (v > 0.0f) & (v < 6.0f) ? g : 0.0f; });
      break;
    case ActivationKind::swish:
      map2(n, x, dy, dx, [](float v, float g) {
        const float s = vector_sigmoid(v);
        return g * s * (1.0f + v * (1.0f - s));
      });
      break;
    case ActivationKind::hswish:
      map2(n, x, dy, dx, [](float v, float g) {
        return v < -3.0f ? 0.0f : (v > 3.0f ? g : g * (2.0f * v + 3.0f) * (1.0f / 6.0f));
      });
      break;
    case ActivationKind::sigmoid: map2(n, y, dy, dx, [](float s, float g) { return g * s * (1.0f - s); }); break;
    case ActivationKind::hsigmoid:
      map2(n, x, dy, dx, [](float v, float g) { return (v > -3.0f) & (v < 3.0f) ? g * (1.0f / 6.0f) : 0.0f; });
      break;
  }
}

}  // namespace autospace::kernels::cpu
