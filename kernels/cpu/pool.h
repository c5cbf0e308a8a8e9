#pragma once
// Average pooling over NHWC: OpenMP over images and rows, SIMD over channels.
#include "kernels/common/pool.h"

namespace autospace::kernels::cpu {

// y[n, c] = mean of x[n, :, c] over hw positions.
void global_avg_pool_forward(std::int64_t n, std::int64_t hw, std::int64_t c, const float* x, float* y);
// dx[n, p, c] = dy[n, c] / hw.
void global_avg_pool_backward(std::int64_t n, std::int64_t hw, std::int64_t c, const float* dy, float* dx);
void avg_pool2d_forward(const Pool2dShape& s, const float* x, float* y);
// dx (overwritten) from dy.
void avg_pool2d_backward(const Pool2dShape& s, const float* dy, float* dx);

}  // namespace autospace::kernels::cpu
