#pragma once
// Batch normalisation with running statistics folded into the convolution before it:
//   BN(conv(x, w) + bias) = conv(x, w') + b'   with, per output channel o,
//   s = gamma[o] / sqrt(var[o] + eps),  w'[o, ...] = w[o, ...] * s,
//   b'[o] = beta[o] + (bias[o] - mean[o]) * s.
// One definition for both backends, so that they fold bit for bit alike; s is the
// batch-norm kernels' own scale (kernels/common/batch_norm.h).
//
// A statistic or affine parameter that is not finite (a diverged network) makes s NaN,
// so the channel's pre-activation is NaN. Folded as it is, an infinite variance would
// give s = 0 and zero weights: a finite channel even where the convolution overflowed,
// which the unfolded pair turns into NaN ((inf - mean) * 0). A clamping epilogue (ReLU,
// ReLU6) can still map the NaN to 0, which is why nas::evaluate also checks the
// parameters themselves.
#include <cmath>

#include "kernels/common/batch_norm.h"
#include "kernels/common/host_device.h"

namespace autospace::kernels {

AUTOSPACE_HOST_DEVICE inline bool fold_finite(float v) {
#if defined(__CUDA_ARCH__)
  return isfinite(v);
#else
  return std::isfinite(v);
#endif
}

AUTOSPACE_HOST_DEVICE inline float folded_scale(float gamma, float beta, float mean, float var, float eps) {
  if (!fold_finite(gamma) || !fold_finite(beta) || !fold_finite(mean) || !fold_finite(var)) return NAN;
  return batch_norm_scale(gamma, var, eps);
}

// bias: the convolution's own bias (0 without one).
AUTOSPACE_HOST_DEVICE inline float folded_bias_value(float beta, float mean, float bias, float scale) {
  return static_cast<float>(static_cast<double>(beta) +
                            (static_cast<double>(bias) - static_cast<double>(mean)) * static_cast<double>(scale));
}

}  // namespace autospace::kernels
