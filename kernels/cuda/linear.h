#pragma once
// Fully-connected layers as cuBLAS GEMMs on device memory: x [n, k], w [o, k], y [n, o];
// the same contracts as kernels/cpu/linear.h.
#include <cstdint>

namespace autospace::kernels::cuda {

void linear_forward(std::int64_t n, std::int64_t k, std::int64_t o, const float* x, const float* w, const float* bias,
                    float* y);
void linear_backward_data(std::int64_t n, std::int64_t k, std::int64_t o, const float* dy, const float* w, float* dx);
void linear_backward_weights(std::int64_t n, std::int64_t k, std::int64_t o, const float* x, const float* dy,
                             float* dw, float* dbias);

}  // namespace autospace::kernels::cuda
