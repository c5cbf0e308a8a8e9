#pragma once
// Hand-written depthwise convolutions (groups = in_c = out_c) over NHWC activations and
// [C, kh, kw, 1] weights: one thread per output (forward) or input (backward data)
// element with channels fastest, so a warp reads 32 consecutive channels; weights are
// first transposed to [kh, kw, C] so that their reads coalesce too. Kernels 1, 3, 5 and
// 7 (square) are unrolled at compile time, other sizes take a generic path.
#include "kernels/common/activation.h"
#include "kernels/common/bf16.h"
#include "kernels/common/conv2d.h"

namespace autospace::kernels::cuda {

bool is_depthwise(const Conv2dShape& s);

// Activations x, y, dy, dx of T (float or bf16, computed in float); weights, bias and dw
// float.
// y = activation(dwconv(x, w) + bias) (bias may be null): the activation is applied as
// each output is stored (the folded evaluation convolution's epilogue, conv2d.h).
template <class T>
void depthwise_conv2d_forward(const Conv2dShape& s, const T* x, const float* w, const float* bias, T* y,
                              ActivationKind activation = ActivationKind::identity);
// dx from dy (overwritten), gathering the outputs each input position feeds.
template <class T> void depthwise_conv2d_backward_data(const Conv2dShape& s, const T* dy, const float* w, T* dx);
// dw from x and dy (overwritten): per-channel, per-tap sums over all output positions,
// reduced in blocks of rows and then across blocks in double.
template <class T>
void depthwise_conv2d_backward_weights(const Conv2dShape& s, const T* x, const T* dy, float* dw);

// Register-tiled versions (a second kernel version, in llm.c's sense): each thread
// computes kDepthwiseTile consecutive output columns of one channel, with the channel's
// K x K weights and the input row segment the tile needs in registers, loading about a
// third of what the one-output-per-thread kernels load per output (K = 7: 30 loads per
// output instead of 98). Forward for kernels 3/5/7 at strides 1 and 2; the data gradient at
// strides 1 and 2, as a forward pass of the flipped kernel over dy (dilated by two at stride
// 2: the zeros it inserts are never loaded); the weight gradient at strides
// 1 and 2 (a tile's dy and input row segments loaded once for all its K x K taps: K = 7 at
// stride 1, 74 loads for 4 outputs instead of 200). They have not run on a GPU
// yet, so they serve only where the autotuner (engine/ops/conv_autotune.h) chose them,
// after checking each shape's result against the kernels above.
constexpr int kDepthwiseTile = 4;
bool depthwise_tiled_forward_supported(const Conv2dShape& s);
bool depthwise_tiled_backward_data_supported(const Conv2dShape& s);
// Activations of T (float or bf16) as above, loaded into and accumulated in float.
template <class T>
void depthwise_conv2d_forward_tiled(const Conv2dShape& s, const T* x, const float* w, const float* bias, T* y,
                                    ActivationKind activation = ActivationKind::identity);
template <class T> void depthwise_conv2d_backward_data_tiled(const Conv2dShape& s, const T* dy, const float* w, T* dx);
// Every shape the tiled forward covers.
template <class T>
void depthwise_conv2d_backward_weights_tiled(const Conv2dShape& s, const T* x, const T* dy, float* dw);

}  // namespace autospace::kernels::cuda
