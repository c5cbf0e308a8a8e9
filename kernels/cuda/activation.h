#pragma once
#include <cstdint>

#include "kernels/common/activation.h"

namespace autospace::kernels::cuda {

// Device pointers; the same contracts as kernels/cpu/activation.h.
void activation(ActivationKind kind, std::int64_t n, const float* x, float* y);
void activation_backward(ActivationKind kind, std::int64_t n, const float* x, const float* y, const float* dy,
                         float* dx);

}  // namespace autospace::kernels::cuda
