#pragma once
#include "kernels/common/pool.h"

namespace autospace::kernels::cuda {

// Device pointers; the same contracts as kernels/cpu/pool.h.
void global_avg_pool_forward(std::int64_t n, std::int64_t hw, std::int64_t c, const float* x, float* y);
void global_avg_pool_backward(std::int64_t n, std::int64_t hw, std::int64_t c, const float* dy, float* dx);
void avg_pool2d_forward(const Pool2dShape& s, const float* x, float* y);
// Gathers each input position's covering windows, so that every dx element has one writer.
void avg_pool2d_backward(const Pool2dShape& s, const float* dy, float* dx);

}  // namespace autospace::kernels::cuda
