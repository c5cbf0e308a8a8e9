#pragma once
// Convolutions over NHWC activations and OHWI weights on device memory; the same
// contracts as kernels/cpu/conv2d.h. The native backend runs depthwise convolutions with
// hand-written kernels (depthwise_conv2d.h) and every other one as cuBLAS GEMMs: a 1x1
// stride-1 convolution is one GEMM on the activations as they are, any other first
// gathers its input patches (im2col) in bounded chunks of images. The cuDNN backend,
// when built in, serves the same calls (the baseline in benchmarks). Either honours
// set_gemm_precision (gemm.h).
#include "kernels/common/conv2d.h"

namespace autospace::kernels::cuda {

enum class ConvBackend { native, cudnn };
// Throws when cuDNN is asked for but was not found at build time.
void set_conv_backend(ConvBackend backend);
ConvBackend conv_backend();
bool cudnn_available();

void conv2d_forward(const Conv2dShape& s, const float* x, const float* w, const float* bias, float* y);
void conv2d_backward_data(const Conv2dShape& s, const float* dy, const float* w, float* dx);
void conv2d_backward_weights(const Conv2dShape& s, const float* x, const float* dy, float* dw, float* dbias);

}  // namespace autospace::kernels::cuda
