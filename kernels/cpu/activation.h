#pragma once
#include <cstdint>

#include "kernels/common/activation.h"

namespace autospace::kernels::cpu {

// y = kind(x) over n elements (OpenMP, vectorised; y may alias x).
void activation(ActivationKind kind, std::int64_t n, const float* x, float* y);

// dx = dy * kind'(x). Sigmoid reads only its forward output y (cheaper than recomputing
// it); every other kind reads only its forward input x, and the unused pointer may be
// null. At the kinks the derivative is taken from the flat side, except that h-swish
// uses its middle piece at x = -3 and x = 3 (PyTorch's conventions).
void activation_backward(ActivationKind kind, std::int64_t n, const float* x, const float* y, const float* dy,
                         float* dx);

}  // namespace autospace::kernels::cpu
