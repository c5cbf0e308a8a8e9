#pragma once
#include "engine/tensor.h"
#include "kernels/common/conv2d.h"

namespace autospace::ops {

struct Conv2dOptions {
  int stride = 1;
  int padding = 0;  // symmetric, in both spatial dimensions
  int groups = 1;   // 1 = dense; Cin = depthwise (any divisor of Cin and Cout works)
};

// x: [N, H, W, Cin] (NHWC), weight: [Cout, kh, kw, Cin / groups] (OHWI), bias: [Cout] or
// undefined. Returns [N, Ho, Wo, Cout]. CPU: oneDNN forward/backward-data/backward-weights.
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Conv2dOptions& options);

// The kernels' shape of conv2d(x, weight, bias, options), after the checks conv2d makes
// (dtypes, ranks, divisibility by groups, bias length); throws naming every argument.
kernels::Conv2dShape checked_conv2d_shape(const Tensor& x, const Tensor& weight, const Tensor& bias,
                                          const Conv2dOptions& options);

}  // namespace autospace::ops
