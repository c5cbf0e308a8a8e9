#pragma once
#include <cstdint>

#include "kernels/common/bf16.h"

namespace autospace::kernels::cpu {

// y[n, p, c] = x[n, p, c] * s[n, c] for x seen as [batch, pixels, channels] (OpenMP,
// vectorised over channels; y may alias x). Every array is of T: float, or bf16
// (multiplied in float, rounded once; ds summed in double).
template <class T>
void broadcast_mul(std::int64_t batch, std::int64_t pixels, std::int64_t channels, const T* x, const T* s, T* y);

// dx = dy * s (broadcast) and ds[n, c] = sum over pixels of dy * x; either output may be
// null when not needed.
template <class T>
void broadcast_mul_backward(std::int64_t batch, std::int64_t pixels, std::int64_t channels, const T* x, const T* s,
                            const T* dy, T* dx, T* ds);

}  // namespace autospace::kernels::cpu
