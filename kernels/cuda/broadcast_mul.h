#pragma once
#include <cstdint>

namespace autospace::kernels::cuda {

// Device pointers; the same contracts as kernels/cpu/broadcast_mul.h.
void broadcast_mul(std::int64_t batch, std::int64_t pixels, std::int64_t channels, const float* x, const float* s,
                   float* y);
void broadcast_mul_backward(std::int64_t batch, std::int64_t pixels, std::int64_t channels, const float* x,
                            const float* s, const float* dy, float* dx, float* ds);

}  // namespace autospace::kernels::cuda
