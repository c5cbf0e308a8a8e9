#pragma once
// Naive fully-connected oracles in double precision.
#include <cstdint>

namespace autospace::kernels::ref {

// y[n, o] = bias[o] + sum_k x[n, k] * w[o, k]; bias may be null.
template <class T>
void linear_forward(std::int64_t n, std::int64_t k, std::int64_t o, const T* x, const T* w, const T* bias, T* y);
// dx[n, k] = sum_o dy[n, o] * w[o, k].
template <class T>
void linear_backward_data(std::int64_t n, std::int64_t k, std::int64_t o, const T* dy, const T* w, T* dx);
// dw[o, k] = sum_n dy[n, o] * x[n, k]; when dbias is not null, dbias[o] = sum_n dy[n, o].
template <class T>
void linear_backward_weights(std::int64_t n, std::int64_t k, std::int64_t o, const T* x, const T* dy, T* dw, T* dbias);

}  // namespace autospace::kernels::ref
