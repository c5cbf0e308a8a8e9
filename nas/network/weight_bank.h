#pragma once
// The weights of one layer's cells (DESIGN 4.2): one tensor per (edge slot, op) and per
// IO/mix conv at the layer's largest width Cm_max = max_expansion * Cin, BN affine
// parameters and running statistics likewise. A cell of width Cm <= Cm_max uses the leading
// Cm channels (ENAS-style sharing), so cells regenerated on the same bank inherit its
// weights. Slots are created the first time a cell asks for them: a supernet over the open
// space would otherwise hold dense kxk convs for every edge that no sampled cell uses.
// A slot is created on the device the bank was last moved to (Module::to), so a supernet
// moved to the GPU before its first step grows every later slot there.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/nn/module.h"
#include "engine/ops/activation.h"
#include "engine/ops/conv2d.h"
#include "nas/arch.h"

namespace autospace::nas {

// BN recalibration state of one bank BN slot, shared by every cell normalising with it.
// While active, each training-mode batch the slot normalises updates its running
// statistics with momentum 1/(k+1) at its k-th batch, so they end as the plain average
// over the recalibration batches (what nn::BatchNorm2d::begin_recalibration does). The
// average is exact per channel when every batch uses the same width, i.e. a standalone
// network or one fixed path of a supernet.
struct BankBnRecalibration {
  bool active = false;
  std::int64_t batches = 0;
};

// The tensors of a BN slot and of a conv + BN slot, at full width.
struct BankBatchNorm {
  Tensor gamma, beta, running_mean, running_var;
  std::shared_ptr<BankBnRecalibration> recalibration;
};
struct BankConvBn {
  Tensor weight;  // OHWI
  BankBatchNorm bn;
};

class WeightBank : public nn::Module {
 public:
  // `path` is the bank's dotted name inside the root module ("layers.3.bank"): a slot
  // created lazily is initialised from (seed, path + "." + slot name), which is what
  // root.initialize(seed) would give it, so values do not depend on creation order.
  WeightBank(std::string path, std::uint64_t seed, int in_channels, int out_channels, int max_expansion);

  // A bank holds parameters; the cells built over it compute.
  Tensor forward(const Tensor& x) override;

  int in_channels() const { return in_channels_; }
  int out_channels() const { return out_channels_; }
  int max_expansion() const { return max_expansion_; }
  int max_width() const { return in_channels_ * max_expansion_; }
  const std::string& path() const { return path_; }

  // The named slot, created (and initialised) when absent. Asking for an existing slot
  // with another shape is an error naming both shapes.
  Tensor parameter(const std::string& name, const Shape& shape, nn::Init init);
  Tensor buffer(const std::string& name, const Shape& shape, float value);
  // "<name>.weight", "<name>.bias", "<name>.running_mean", "<name>.running_var".
  BankBatchNorm batch_norm(const std::string& name, std::int64_t channels);
  // "<name>.conv.weight" of `weight_shape` and "<name>.bn.*" over its first dimension.
  BankConvBn conv_bn(const std::string& name, const Shape& weight_shape);

  // Resets the running statistics of every BN slot (mean 0, variance 1) and averages the
  // following training-mode batches into them (BankBnRecalibration); end returns to the
  // configured momentum.
  void begin_bn_recalibration();
  void end_bn_recalibration();

  Device device() const { return device_; }  // where new slots are created

  // Parameters created since the last call, under their full names (path + "." + slot;
  // the slot name alone for a bank with an empty path), for Optimizer::add_parameters.
  std::vector<NamedTensor> take_new_parameters();

 private:
  Tensor existing(const std::string& name, const Shape& shape) const;
  void on_device_changed(Device device) override { device_ = device; }

  std::string path_;
  std::uint64_t seed_;
  int in_channels_, out_channels_, max_expansion_;
  Device device_ = Device::cpu();
  std::map<std::string, Tensor> slots_;
  std::map<std::string, std::shared_ptr<BankBnRecalibration>> bn_recalibration_;  // by BN slot name
  std::vector<NamedTensor> new_parameters_;
};

// The first `count` entries of `axis` (ops::channel_slice), or `t` itself when that is all
// of it, so a bank sized to its one cell (a standalone network) slices nothing.
Tensor leading(const Tensor& t, int axis, std::int64_t count);
// A bank conv weight cut to [out, k, k, in] (in: the per-group input channels).
Tensor leading_weight(const Tensor& weight, std::int64_t out, std::int64_t in);
// BN over the leading x.dim(-1) channels of a bank BN slot; training updates those running
// statistics in place (the slices are views), with the recalibration momentum while the
// slot recalibrates. The activation is applied in the same pass (ops::batch_norm).
Tensor banked_batch_norm(const Tensor& x, const BankBatchNorm& bn, const BatchNormSettings& settings, bool training,
                         ops::Activation activation = ops::Activation::identity);
// banked_batch_norm(ops::conv2d(x, weight, no bias, conv), ...), run as one convolution
// with the BN folded into it when evaluating (not training, grad mode off;
// ops::conv_batch_norm_folded).
Tensor banked_conv_batch_norm(const Tensor& x, const Tensor& weight, const ops::Conv2dOptions& conv,
                              const BankBatchNorm& bn, const BatchNormSettings& settings, bool training,
                              ops::Activation activation);

// BN recalibration of a whole network: every nn::BatchNorm2d (stem, head) and the BN slots
// of every weight bank inside `root`. Between begin and end, run training-mode forwards
// over the recalibration batches and no optimiser steps; dropout and drop-path are best
// switched off (nn::Dropout in eval mode), as they change the statistics downstream.
void begin_bn_recalibration(nn::Module& root);
void end_bn_recalibration(nn::Module& root);

}  // namespace autospace::nas
