#pragma once
// oneDNN inner products for fully-connected layers: x [n, k], w [o, k], y [n, o].
// Primitives are built on a shape's first use and cached.
#include <cstdint>

namespace autospace::kernels::cpu {

// y = x w^T + bias; bias may be null.
void linear_forward(std::int64_t n, std::int64_t k, std::int64_t o, const float* x, const float* w, const float* bias,
                    float* y);
// dx = dy w (overwritten).
void linear_backward_data(std::int64_t n, std::int64_t k, std::int64_t o, const float* dy, const float* w, float* dx);
// dw = dy^T x and, when dbias is not null, dbias = column sums of dy (overwritten).
void linear_backward_weights(std::int64_t n, std::int64_t k, std::int64_t o, const float* x, const float* dy,
                             float* dw, float* dbias);

}  // namespace autospace::kernels::cpu
