#pragma once
#include "kernels/common/bf16.h"
#include "kernels/common/pool.h"

namespace autospace::kernels::cuda {

// Device pointers; the same contracts as kernels/cpu/pool.h (T: float or bf16).
template <class T>
void global_avg_pool_forward(std::int64_t n, std::int64_t hw, std::int64_t c, const T* x, T* y);
template <class T>
void global_avg_pool_backward(std::int64_t n, std::int64_t hw, std::int64_t c, const T* dy, T* dx);
template <class T> void avg_pool2d_forward(const Pool2dShape& s, const T* x, T* y);
// Gathers each input position's covering windows, so that every dx element has one writer.
template <class T> void avg_pool2d_backward(const Pool2dShape& s, const T* dy, T* dx);

}  // namespace autospace::kernels::cuda
