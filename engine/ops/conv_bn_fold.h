#pragma once
// Evaluation-mode convolution + batch normalisation + activation as one convolution: BN
// with running statistics is an affine map per channel, so it folds into the conv's
// weights and bias (w' = w * s, b' = beta + (bias - mean) * s, s = gamma / sqrt(var +
// eps); kernels/common/batch_norm_fold.h), and the activation runs as the convolution's
// epilogue. The output is written once instead of being re-read and re-written by BN.
// The rounding differs from the unfolded pair's (the products are taken in another
// order): a few float ulps of the output's magnitude.
#include "engine/ops/activation.h"
#include "engine/ops/conv2d.h"

namespace autospace::ops {

// The running statistics and affine parameters of the batch norm that follows a conv.
struct FoldedBatchNorm {
  Tensor gamma, beta, running_mean, running_var;  // each [Cout]
  float eps = 1e-5f;
  Activation activation = Activation::identity;  // applied after the BN
};

// activation(batch_norm_eval(conv2d(x, weight, bias, conv))) with bias possibly
// undefined, folded where folding pays (folding_pays) and as conv2d then batch_norm
// otherwise. Inference only: it records no gradient, so it throws unless grad mode is
// off (NoGradGuard); the checks of conv2d apply, and each BN tensor must be f32 [Cout].
Tensor conv_batch_norm_folded(const Tensor& x, const Tensor& weight, const Tensor& bias, const Conv2dOptions& conv,
                              const FoldedBatchNorm& bn);

// Folding reads and writes the weights once per call (they may change between calls, so
// nothing is cached) to save a read and a write of the output: it pays when the output
// has at least twice the weights' elements. Small batches of the late, wide layers do
// not (MobileNetV2 at batch 1: 24% slower folded throughout).
bool folding_pays(const kernels::Conv2dShape& s);

// Whether a conv-BN pair whose BN is (not) training runs folded: BN in eval mode, grad
// mode off, and folding on (ConvBatchNormFolding).
bool fold_conv_batch_norm(bool bn_training);

// Folding is on unless one of these, alive anywhere in the process, switches it off; it
// restores the previous setting when it ends. Benchmarks time both paths side by side
// with it, and it bisects a numerical question.
class ConvBatchNormFolding {
 public:
  explicit ConvBatchNormFolding(bool enabled);
  ~ConvBatchNormFolding();
  ConvBatchNormFolding(const ConvBatchNormFolding&) = delete;
  ConvBatchNormFolding& operator=(const ConvBatchNormFolding&) = delete;

 private:
  bool previous_;
};

}  // namespace autospace::ops
