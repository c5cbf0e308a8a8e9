#pragma once
// cuDNN convolutions behind the conv2d interface (conv2d.h selects them with
// set_conv_backend or per shape). Compiled only when the build finds cuDNN. The algorithm for each
// shape and precision is the fastest that cudnnFind* measures on its first use, cached;
// with fp32 GEMM precision only plain-FMA algorithms qualify (no TF32 rounding).
#include "kernels/common/conv2d.h"

namespace autospace::kernels::cuda {

void cudnn_conv2d_forward(const Conv2dShape& s, const float* x, const float* w, float* y);
void cudnn_conv2d_backward_data(const Conv2dShape& s, const float* dy, const float* w, float* dx);
void cudnn_conv2d_backward_weights(const Conv2dShape& s, const float* x, const float* dy, float* dw);
// cudnnGetVersion() of the library loaded.
int cudnn_library_version();

}  // namespace autospace::kernels::cuda
