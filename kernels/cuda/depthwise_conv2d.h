#pragma once
// Hand-written depthwise convolutions (groups = in_c = out_c) over NHWC activations and
// [C, kh, kw, 1] weights: one thread per output (forward) or input (backward data)
// element with channels fastest, so a warp reads 32 consecutive channels; weights are
// first transposed to [kh, kw, C] so that their reads coalesce too. Kernels 1, 3, 5 and
// 7 (square) are unrolled at compile time, other sizes take a generic path.
#include "kernels/common/conv2d.h"

namespace autospace::kernels::cuda {

bool is_depthwise(const Conv2dShape& s);

// y = dwconv(x, w) + bias (bias may be null).
void depthwise_conv2d_forward(const Conv2dShape& s, const float* x, const float* w, const float* bias, float* y);
// dx from dy (overwritten), gathering the outputs each input position feeds.
void depthwise_conv2d_backward_data(const Conv2dShape& s, const float* dy, const float* w, float* dx);
// dw from x and dy (overwritten): per-channel, per-tap sums over all output positions,
// reduced in blocks of rows and then across blocks in double.
void depthwise_conv2d_backward_weights(const Conv2dShape& s, const float* x, const float* dy, float* dw);

}  // namespace autospace::kernels::cuda
