#pragma once
// The activations as device functions, one instantiation per kind, for the activation
// kernels and for the kernels that fuse an activation into their epilogue.

#include "kernels/common/activation.h"
#include "kernels/cuda/cuda_check.cuh"

namespace autospace::kernels::cuda {

// Comparisons rather than fminf/fmaxf, which return the other operand for a NaN: a NaN
// stays NaN, as on the CPU and in PyTorch.
__device__ inline float clamp06(float v) { return v < 0.0f ? 0.0f : (v > 6.0f ? 6.0f : v); }
__device__ inline float sigmoid(float v) { return 1.0f / (1.0f + expf(-v)); }

template <ActivationKind K> __device__ inline float activate(float v) {
  if constexpr (K == ActivationKind::identity) return v;
  else if constexpr (K == ActivationKind::relu) return v < 0.0f ? 0.0f : v;
  else if constexpr (K == ActivationKind::relu6) return clamp06(v);
  else if constexpr (K == ActivationKind::swish) return v * sigmoid(v);
  else if constexpr (K == ActivationKind::hswish) return v * clamp06(v + 3.0f) * (1.0f / 6.0f);
  else if constexpr (K == ActivationKind::sigmoid) return sigmoid(v);
  else return clamp06(v + 3.0f) * (1.0f / 6.0f);
}

// The same for a kind known only at run time, for kernels whose other template parameters
// would multiply seven-fold (the depthwise forwards): the switch takes the same branch in
// every thread of a launch, a few instructions per element of a memory-bound kernel.
__device__ inline float activate(ActivationKind kind, float v) {
  using K = ActivationKind;
  switch (kind) {
    case K::identity: return v;
    case K::relu: return activate<K::relu>(v);
    case K::relu6: return activate<K::relu6>(v);
    case K::swish: return activate<K::swish>(v);
    case K::hswish: return activate<K::hswish>(v);
    case K::sigmoid: return activate<K::sigmoid>(v);
    case K::hsigmoid: return activate<K::hsigmoid>(v);
  }
  return v;
}

// dx for dy at input v (sigmoid: at output s); the kinks follow the CPU kernels
// (kernels/cpu/activation.h).
template <ActivationKind K> __device__ inline float activate_backward(float v, float g) {
  if constexpr (K == ActivationKind::identity) return g;
  else if constexpr (K == ActivationKind::relu) return v > 0.0f ? g : 0.0f;
  else if constexpr (K == ActivationKind::relu6) return (v > 0.0f && v < 6.0f) ? g : 0.0f;
  else if constexpr (K == ActivationKind::swish) {
    const float s = sigmoid(v);
    return g * s * (1.0f + v * (1.0f - s));
  } else if constexpr (K == ActivationKind::hswish) {
    return v < -3.0f ? 0.0f : (v > 3.0f ? g : g * (2.0f * v + 3.0f) * (1.0f / 6.0f));
  } else if constexpr (K == ActivationKind::sigmoid) {
    return g * v * (1.0f - v);
  } else {
    return (v > -3.0f && v < 3.0f) ? g * (1.0f / 6.0f) : 0.0f;
  }
}

// dx for dy at input v for every kind, the sigmoid's recomputed from v: for kernels that
// fuse an activation and keep only its input's inputs.
template <ActivationKind K> __device__ inline float activate_backward_at_input(float v, float g) {
  if constexpr (K == ActivationKind::sigmoid) return activate_backward<K>(sigmoid(v), g);
  else return activate_backward<K>(v, g);
}

}  // namespace autospace::kernels::cuda
