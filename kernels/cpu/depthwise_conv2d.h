#pragma once
// A hand-written depthwise weight gradient (groups = in_c = out_c), for the kernel sizes
// oneDNN 2.6 serves with a generic kernel: 5x5 and larger. There its f32 weight gradient took
// 8.8-17 ms per call for the MobileNet-space shapes of bench_search_step (16x16x144 and
// 32x32x96 maps, batch 64), about half of a proxyless weight step's convolution time, and
// its bf16 one 41-47 ms. NHWC makes every tap a product of two channel-contiguous rows.
#include "kernels/common/bf16.h"
#include "kernels/common/conv2d.h"

namespace autospace::kernels::cpu {

// Whether conv2d_backward_weights (kernels/cpu/conv2d.h) takes this kernel for s: depthwise
// with a kernel of more than 3x3 taps.
bool depthwise_weights_by_hand(const Conv2dShape& s);

// dw [C, kh, kw, 1] (overwritten) = per channel and tap, the sum over every output position
// of dy times the input under that tap, and dbias (when not null) the sum of dy; x and dy of
// T (float or bf16). Each thread sums its rows of output positions in float, one output row
// at a time, into double totals, combined in thread order (the same result for a given
// thread count).
template <class T>
void depthwise_conv2d_backward_weights(const Conv2dShape& s, const T* x, const T* dy, float* dw, float* dbias);

}  // namespace autospace::kernels::cpu
