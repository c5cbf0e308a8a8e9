#pragma once
#include "engine/nn/module.h"
#include "engine/ops/batch_norm.h"
#include "engine/ops/conv_bn_fold.h"

namespace autospace::nn {

// Batch normalisation over the channel (last) dimension with running statistics, its
// output optionally passed through an activation in the same pass (ops::batch_norm).
class BatchNorm2d : public Module {
 public:
  explicit BatchNorm2d(std::int64_t channels, float momentum = 0.1f, float eps = 1e-5f,
                       ops::Activation activation = ops::Activation::identity);
  Tensor forward(const Tensor& x) override;

  // Recalibration (SPOS/BN re-estimation): forget the running statistics; each following
  // training-mode forward then contributes equally (momentum 1/(k+1) at its k-th batch),
  // so after N batches the running statistics are their plain average.
  void begin_recalibration();
  void end_recalibration() { recalibrating_ = false; }
  bool recalibrating() const { return recalibrating_; }

  const Tensor& gamma() const { return gamma_; }
  const Tensor& beta() const { return beta_; }
  const Tensor& running_mean() const { return running_mean_; }
  const Tensor& running_var() const { return running_var_; }
  // What folding it into the convolution before it needs (nn::conv_batch_norm).
  ops::FoldedBatchNorm folded() const { return {gamma_, beta_, running_mean_, running_var_, eps_, activation_}; }

 private:
  Tensor gamma_, beta_, running_mean_, running_var_;
  float momentum_, eps_;
  ops::Activation activation_;
  bool recalibrating_ = false;
  std::int64_t recalibration_batches_ = 0;
};

// Runs begin/end_recalibration on every BatchNorm2d inside `module`.
void begin_bn_recalibration(Module& module);
void end_bn_recalibration(Module& module);

}  // namespace autospace::nn
