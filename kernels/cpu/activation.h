#pragma once
#include <cstdint>

#include "kernels/common/activation.h"
#include "kernels/common/bf16.h"

namespace autospace::kernels::cpu {

// y = kind(x) over n elements of T (float or bf16, computed in float; OpenMP, vectorised;
// y may alias x).
template <class T> void activation(ActivationKind kind, std::int64_t n, const T* x, T* y);

// dx = dy * kind'(x). Sigmoid reads only its forward output y (cheaper than recomputing
// it); every other kind reads only its forward input x, and the unused pointer may be
// null. At the kinks the derivative is taken from the flat side, except that h-swish
// uses its middle piece at x = -3 and x = 3 (PyTorch's conventions).
template <class T>
void activation_backward(ActivationKind kind, std::int64_t n, const T* x, const T* y, const T* dy, T* dx);

}  // namespace autospace::kernels::cpu
