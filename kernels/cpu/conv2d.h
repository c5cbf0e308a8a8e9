#pragma once
// oneDNN convolutions over NHWC activations and OHWI weights (dense, grouped and
// depthwise). Primitives are built on a shape's first use and cached.
#include "kernels/common/activation.h"
#include "kernels/common/conv2d.h"

namespace autospace::kernels::cpu {

// y = conv(x, w) + bias; bias may be null.
void conv2d_forward(const Conv2dShape& s, const float* x, const float* w, const float* bias, float* y);
// y = activation(conv(x, w) + bias) for evaluation, the activation applied as the
// convolution's epilogue (a oneDNN post-op) rather than in a pass of its own; hard
// sigmoid, which oneDNN 2.6 lacks, runs as a pass over y. oneDNN's ReLU and ReLU6 turn a
// NaN into 0 (the activation kernels keep it NaN), which is why evaluation judges a
// network's finiteness by its parameters as well (nas::evaluate).
void conv2d_forward_activation(const Conv2dShape& s, const float* x, const float* w, const float* bias,
                               ActivationKind activation, float* y);
// dx from dy (overwritten, not accumulated).
void conv2d_backward_data(const Conv2dShape& s, const float* dy, const float* w, float* dx);
// dw (and dbias when not null) from x and dy (overwritten, not accumulated).
void conv2d_backward_weights(const Conv2dShape& s, const float* x, const float* dy, float* dw, float* dbias);

}  // namespace autospace::kernels::cpu
