#pragma once
// Bias epilogue and bias gradient of the convolutions and linear layers, for outputs
// seen as [rows, channels] on the device: y and dy of T (float or bf16), bias and dbias
// float.
#include <cstdint>

#include "kernels/common/activation.h"
#include "kernels/common/bf16.h"

namespace autospace::kernels::cuda {

// y[r, c] += bias[c]
template <class T> void add_bias(std::int64_t rows, std::int64_t channels, const float* bias, T* y);
// y[r, c] = kind(y[r, c] + bias[c]): the folded evaluation convolution's epilogue, one
// pass after the GEMM.
template <class T>
void add_bias_activation(std::int64_t rows, std::int64_t channels, const float* bias, ActivationKind kind, T* y);
// dbias[c] = sum over rows of dy[r, c], accumulated in double.
template <class T> void bias_backward(std::int64_t rows, std::int64_t channels, const T* dy, float* dbias);

}  // namespace autospace::kernels::cuda
