#pragma once
#include "engine/nn/batch_norm.h"
#include "engine/nn/conv2d.h"

namespace autospace::nn {

// bn(conv(x)), bn's activation included. When bn is in eval mode and grad mode is off
// (evaluation, BN-recalibrated scoring) the pair runs as one convolution with bn folded
// into it (ops::conv_batch_norm_folded); otherwise as the two modules.
Tensor conv_batch_norm(Conv2d& conv, BatchNorm2d& bn, const Tensor& x);

}  // namespace autospace::nn
