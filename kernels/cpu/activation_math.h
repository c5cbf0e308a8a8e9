#pragma once
// The activations as inline scalar functions, one instantiation per kind, written so that
// loops over them vectorise: for the activation kernels and for the kernels that fuse an
// activation into their own pass (batch-norm).
#include <bit>
#include <cstdint>

#include "kernels/common/activation.h"

namespace autospace::kernels::cpu {

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
inline float clamp06(float v) { return v < 0.0f ? 0.0f : (v > 6.0f ? 6.0f : v); }

template <ActivationKind K> inline float activate(float v) {
  if constexpr (K == ActivationKind::identity) return v;
  else if constexpr (K == ActivationKind::relu) return v < 0.0f ? 0.0f : v;  // a NaN stays NaN
  else if constexpr (K == ActivationKind::relu6) return clamp06(v);
  else if constexpr (K == ActivationKind::swish) return v * vector_sigmoid(v);
  else if constexpr (K == ActivationKind::hswish) return v * clamp06(v + 3.0f) * (1.0f / 6.0f);
  else if constexpr (K == ActivationKind::sigmoid) return vector_sigmoid(v);
  else return clamp06(v + 3.0f) * (1.0f / 6.0f);
}

// dx for dy = g at input v. At the kinks the derivative is taken from the flat side,
// except that h-swish uses its middle piece at v = -3 and v = 3 (PyTorch's conventions).
// The sigmoid's is computed from v here; the activation kernel's backward takes it from
// the forward output instead.
template <ActivationKind K> inline float activate_backward(float v, float g) {
  if constexpr (K == ActivationKind::identity) return g;
  else if constexpr (K == ActivationKind::relu) return v > 0.0f ? g : 0.0f;
  else if constexpr (K == ActivationKind::relu6) return (v > 0.0f) & (v < 6.0f) ? g : 0.0f;
  else if constexpr (K == ActivationKind::swish) {
    const float s = vector_sigmoid(v);
    return g * s * (1.0f + v * (1.0f - s));
  } else if constexpr (K == ActivationKind::hswish) {
    return v < -3.0f ? 0.0f : (v > 3.0f ? g : g * (2.0f * v + 3.0f) * (1.0f / 6.0f));
  } else if constexpr (K == ActivationKind::sigmoid) {
    const float s = vector_sigmoid(v);
    return g * s * (1.0f - s);
  } else {
    return (v > -3.0f) & (v < 3.0f) ? g * (1.0f / 6.0f) : 0.0f;
  }
}

}  // namespace autospace::kernels::cpu
