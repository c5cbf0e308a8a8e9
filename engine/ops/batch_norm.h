#pragma once
#include "engine/tensor.h"

namespace autospace::ops {

struct BatchNormOptions {
  bool training = true;
  // Running statistics update in training mode:
  //   running = (1 - momentum) * running + momentum * batch_statistic
  // with the unbiased batch variance (PyTorch's convention). BN recalibration uses
  // momentum = 1 / (k + 1) at its k-th batch, which yields the plain average.
  float momentum = 0.1f;
  float eps = 1e-5f;
  bool update_running_stats = true;
};

// x: [N, H, W, C] (or [N, C]); gamma, beta, running_mean, running_var: [C].
// Training: normalises with the batch statistics over all but the last dimension and
// updates the running statistics in place (no gradient flows into them).
// Eval: normalises with the running statistics.
Tensor batch_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& running_mean,
                  const Tensor& running_var, const BatchNormOptions& options);

}  // namespace autospace::ops
