#pragma once
#include <cstdint>

#include "kernels/common/bf16.h"

namespace autospace::kernels::cuda {

// Device pointers; the same contracts as kernels/cpu/broadcast_mul.h.
template <class T>
void broadcast_mul(std::int64_t batch, std::int64_t pixels, std::int64_t channels, const T* x, const T* s, T* y);
template <class T>
void broadcast_mul_backward(std::int64_t batch, std::int64_t pixels, std::int64_t channels, const T* x, const T* s,
                            const T* dy, T* dx, T* ds);

}  // namespace autospace::kernels::cuda
