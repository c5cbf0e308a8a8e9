#pragma once
// Naive pooling oracles in double precision over NHWC.
#include "kernels/common/pool.h"

namespace autospace::kernels::ref {

// y[n, c] = mean of x[n, :, :, c] over hw = H * W positions.
template <class T> void global_avg_pool_forward(std::int64_t n, std::int64_t hw, std::int64_t c, const T* x, T* y);
// dx[n, p, c] = dy[n, c] / hw.
template <class T> void global_avg_pool_backward(std::int64_t n, std::int64_t hw, std::int64_t c, const T* dy, T* dx);
// y[n, oh, ow, c] = mean of the in-bounds x[n, ih, iw, c] of the window.
template <class T> void avg_pool2d_forward(const Pool2dShape& s, const T* x, T* y);
// dx = d(sum dy * y) / dx.
template <class T> void avg_pool2d_backward(const Pool2dShape& s, const T* dy, T* dx);

}  // namespace autospace::kernels::ref
