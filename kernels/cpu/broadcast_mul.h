#pragma once
#include <cstdint>

namespace autospace::kernels::cpu {

// y[n, p, c] = x[n, p, c] * s[n, c] for x seen as [batch, pixels, channels] (OpenMP,
// vectorised over channels; y may alias x).
void broadcast_mul(std::int64_t batch, std::int64_t pixels, std::int64_t channels, const float* x, const float* s,
                   float* y);

// dx = dy * s (broadcast) and ds[n, c] = sum over pixels of dy * x; either output may be
// null when not needed.
void broadcast_mul_backward(std::int64_t batch, std::int64_t pixels, std::int64_t channels, const float* x,
                            const float* s, const float* dy, float* dx, float* ds);

}  // namespace autospace::kernels::cpu
