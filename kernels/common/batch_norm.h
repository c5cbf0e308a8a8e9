#pragma once
// The batch-norm per-channel scale, shared by the CPU and CUDA kernels and the fold of BN
// into a convolution: gamma / sqrt(var + eps), computed in double and rounded once, so
// that every place that needs it (forward, the backward's recomputed pre-activation, the
// folded weights) gets the same float on either backend.
#include <cmath>

#include "kernels/common/host_device.h"

namespace autospace::kernels {

AUTOSPACE_HOST_DEVICE inline float batch_norm_scale(float gamma, float var, float eps) {
  return static_cast<float>(static_cast<double>(gamma) / sqrt(static_cast<double>(var) + eps));
}

}  // namespace autospace::kernels
