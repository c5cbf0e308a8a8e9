#pragma once
// Bias epilogue and bias gradient of the convolutions and linear layers, for outputs
// seen as [rows, channels] on the device.
#include <cstdint>

#include "kernels/common/activation.h"

namespace autospace::kernels::cuda {

// y[r, c] += bias[c]
void add_bias(std::int64_t rows, std::int64_t channels, const float* bias, float* y);
// y[r, c] = kind(y[r, c] + bias[c]): the folded evaluation convolution's epilogue, one
// pass after the GEMM.
void add_bias_activation(std::int64_t rows, std::int64_t channels, const float* bias, ActivationKind kind, float* y);
// dbias[c] = sum over rows of dy[r, c], accumulated in double.
void bias_backward(std::int64_t rows, std::int64_t channels, const float* dy, float* dbias);

}  // namespace autospace::kernels::cuda
