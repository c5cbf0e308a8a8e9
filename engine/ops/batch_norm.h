#pragma once
#include "engine/dist/communicator.h"
#include "engine/ops/activation.h"
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
  // Applied to the output in the same pass (y = act(BN(x))). Its backward recomputes the
  // pre-activation from x, so a BN-activation pair keeps only x for the backward pass and
  // reads and writes each tensor once per direction instead of twice.
  Activation activation = Activation::identity;
};

// x: [N, H, W, C] (or [N, C]), f32 or bf16 (the output and dx of x's dtype, computed in
// float); gamma, beta, running_mean, running_var: [C], f32, as are the statistics.
// Training: normalises with the batch statistics over all but the last dimension and
// updates the running statistics in place (no gradient flows into them).
// Eval: normalises with the running statistics.
Tensor batch_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& running_mean,
                  const Tensor& running_var, const BatchNormOptions& options);

// Synchronised batch-norm: while one is alive on this thread, every training-mode
// batch_norm takes its statistics over the batches of all ranks of `comm` (an all-gather
// of per-rank means and variances, combined exactly), updates the running statistics
// with them, and its backward pass all-reduces the two per-channel sums the gradient
// through the statistics needs. Every rank then computes what one process would on the
// global batch. Each call costs two small collectives, so per-rank statistics (no scope)
// stay the default. On a GPU the per-channel numbers (2C floats) go through the host
// communicator, and the backward pass is built from the device's own batch-norm kernels.
// Eval-mode calls are unaffected.
class SyncBatchNorm {
 public:
  explicit SyncBatchNorm(dist::Communicator& comm);
  ~SyncBatchNorm();
  SyncBatchNorm(const SyncBatchNorm&) = delete;
  SyncBatchNorm& operator=(const SyncBatchNorm&) = delete;

 private:
  dist::Communicator* previous_;
};

}  // namespace autospace::ops
