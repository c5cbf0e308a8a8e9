#pragma once
// oneDNN convolutions over NHWC activations and OHWI weights (dense, grouped and
// depthwise). Primitives are built on a shape's first use and cached. The activations x,
// y, dy and dx are of T: float, or bf16, in which case the weights are rounded to bf16 for
// the product (oneDNN's bf16 kernels: AMX or AVX-512 BF16 where the CPU has them) and the
// accumulation, bias and weight gradients stay f32. Where oneDNN has no bf16 convolutions
// (no AVX-512) every pass runs on f32 copies of the activations, weights unrounded.
#include "kernels/common/activation.h"
#include "kernels/common/bf16.h"
#include "kernels/common/conv2d.h"

namespace autospace::kernels::cpu {

// y = conv(x, w) + bias; bias may be null.
template <class T> void conv2d_forward(const Conv2dShape& s, const T* x, const float* w, const float* bias, T* y);
// y = activation(conv(x, w) + bias) for evaluation, the activation applied as the
// convolution's epilogue (a oneDNN post-op) rather than in a pass of its own; hard
// sigmoid, which oneDNN 2.6 lacks, runs as a pass over y. oneDNN's ReLU and ReLU6 turn a
// NaN into 0 (the activation kernels keep it NaN), which is why evaluation judges a
// network's finiteness by its parameters as well (nas::evaluate).
template <class T>
void conv2d_forward_activation(const Conv2dShape& s, const T* x, const float* w, const float* bias,
                               ActivationKind activation, T* y);
// dx from dy (overwritten, not accumulated).
template <class T> void conv2d_backward_data(const Conv2dShape& s, const T* dy, const float* w, T* dx);
// dw (and dbias when not null) from x and dy (overwritten, not accumulated).
template <class T>
void conv2d_backward_weights(const Conv2dShape& s, const T* x, const T* dy, float* dw, float* dbias);

}  // namespace autospace::kernels::cpu
