#pragma once
// Average pooling over NHWC: OpenMP over images and rows, SIMD over channels. x, y, dy and
// dx are of T (float, or bf16: summed in float, rounded once).
#include "kernels/common/bf16.h"
#include "kernels/common/pool.h"

namespace autospace::kernels::cpu {

// y[n, c] = mean of x[n, :, c] over hw positions.
template <class T>
void global_avg_pool_forward(std::int64_t n, std::int64_t hw, std::int64_t c, const T* x, T* y);
// dx[n, p, c] = dy[n, c] / hw.
template <class T>
void global_avg_pool_backward(std::int64_t n, std::int64_t hw, std::int64_t c, const T* dy, T* dx);
template <class T> void avg_pool2d_forward(const Pool2dShape& s, const T* x, T* y);
// dx (overwritten) from dy.
template <class T> void avg_pool2d_backward(const Pool2dShape& s, const T* dy, T* dx);

}  // namespace autospace::kernels::cpu
