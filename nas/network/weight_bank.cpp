#include "nas/network/weight_bank.h"

#include <utility>

#include "engine/nn/batch_norm.h"
#include "engine/ops/batch_norm.h"
#include "engine/ops/channel_slice.h"
#include "engine/ops/conv_bn_fold.h"
#include "kernels/common/check.h"

namespace autospace::nas {

WeightBank::WeightBank(std::string path, std::uint64_t seed, int in_channels, int out_channels, int max_expansion)
    : path_(std::move(path)),
      seed_(seed),
      in_channels_(in_channels),
      out_channels_(out_channels),
      max_expansion_(max_expansion) {
  AUTOSPACE_CHECK(in_channels >= 1 && out_channels >= 1 && max_expansion >= 1, "weight bank ", path_, ": ", in_channels,
                  " -> ", out_channels, " channels with max expansion ", max_expansion);
}

Tensor WeightBank::forward(const Tensor&) {
  AUTOSPACE_THROW("weight bank ", path_, " holds parameters only; run a cell built over it");
}

Tensor WeightBank::existing(const std::string& name, const Shape& shape) const {
  const auto it = slots_.find(name);
  if (it == slots_.end()) return {};
  AUTOSPACE_CHECK(it->second.shape() == shape, "weight bank ", path_, ": slot ", name, " has shape ",
                  shape_str(it->second.shape()), " but a cell needs ", shape_str(shape));
  return it->second;
}

Tensor WeightBank::parameter(const std::string& name, const Shape& shape, nn::Init init) {
  if (Tensor t = existing(name, shape); t.defined()) return t;
  Tensor t = register_parameter(name, shape, init);
  const std::string full_name = path_.empty() ? name : path_ + "." + name;
  nn::initialize_parameter(t, init, seed_, full_name);
  t.move_to(device_);
  slots_.emplace(name, t);
  new_parameters_.emplace_back(full_name, t);
  return t;
}

Tensor WeightBank::buffer(const std::string& name, const Shape& shape, float value) {
  if (Tensor t = existing(name, shape); t.defined()) return t;
  Tensor t = register_buffer(name, shape, value);
  t.move_to(device_);
  slots_.emplace(name, t);
  return t;
}

BankBatchNorm WeightBank::batch_norm(const std::string& name, std::int64_t channels) {
  auto& recalibration = bn_recalibration_[name];
  if (!recalibration) recalibration = std::make_shared<BankBnRecalibration>();
  return {parameter(name + ".weight", {channels}, nn::Init::ones),
          parameter(name + ".bias", {channels}, nn::Init::zeros), buffer(name + ".running_mean", {channels}, 0.f),
          buffer(name + ".running_var", {channels}, 1.f), recalibration};
}

void WeightBank::begin_bn_recalibration() {
  // Every BN slot starts afresh, not just those a cell has asked for since this bank was
  // built: a supernet restored from a checkpoint must recalibrate exactly as the run that
  // wrote it.
  const std::string mean = ".running_mean";
  for (auto& [name, t] : slots_)
    if (name.size() > mean.size() && name.compare(name.size() - mean.size(), mean.size(), mean) == 0) {
      t.fill(0.f);
      slots_.at(name.substr(0, name.size() - mean.size()) + ".running_var").fill(1.f);
    }
  for (auto& [name, recalibration] : bn_recalibration_) *recalibration = {true, 0};
}

void WeightBank::end_bn_recalibration() {
  for (auto& [name, recalibration] : bn_recalibration_) recalibration->active = false;
}

BankConvBn WeightBank::conv_bn(const std::string& name, const Shape& weight_shape) {
  return {parameter(name + ".conv.weight", weight_shape, nn::Init::kaiming_normal_fan_out),
          batch_norm(name + ".bn", weight_shape.at(0))};
}

std::vector<NamedTensor> WeightBank::take_new_parameters() { return std::exchange(new_parameters_, {}); }

Tensor leading(const Tensor& t, int axis, std::int64_t count) {
  return t.dim(axis) == count ? t : ops::channel_slice(t, axis, count);
}

Tensor leading_weight(const Tensor& weight, std::int64_t out, std::int64_t in) {
  // Axis 0 first: that cut is a view, so the copy along axis 3 moves only what is kept.
  return leading(leading(weight, 0, out), 3, in);
}

Tensor banked_batch_norm(const Tensor& x, const BankBatchNorm& bn, const BatchNormSettings& settings, bool training,
                         ops::Activation activation) {
  const std::int64_t c = x.dim(-1);
  ops::BatchNormOptions options;
  options.training = training;
  options.eps = static_cast<float>(settings.eps);
  options.momentum = static_cast<float>(settings.momentum);
  options.activation = activation;
  if (training && bn.recalibration && bn.recalibration->active)
    options.momentum = 1.f / static_cast<float>(++bn.recalibration->batches);
  return ops::batch_norm(x, leading(bn.gamma, 0, c), leading(bn.beta, 0, c), leading(bn.running_mean, 0, c),
                         leading(bn.running_var, 0, c), options);
}

Tensor banked_conv_batch_norm(const Tensor& x, const Tensor& weight, const ops::Conv2dOptions& conv,
                              const BankBatchNorm& bn, const BatchNormSettings& settings, bool training,
                              ops::Activation activation) {
  if (!ops::fold_conv_batch_norm(training))
    return banked_batch_norm(ops::conv2d(x, weight, Tensor(), conv), bn, settings, training, activation);
  const std::int64_t c = weight.dim(0);
  return ops::conv_batch_norm_folded(x, weight, Tensor(), conv,
                                     {leading(bn.gamma, 0, c), leading(bn.beta, 0, c), leading(bn.running_mean, 0, c),
                                      leading(bn.running_var, 0, c), static_cast<float>(settings.eps), activation});
}

namespace {
template <class F> void for_each_bank(nn::Module& m, F f) {
  if (auto* bank = dynamic_cast<WeightBank*>(&m)) f(*bank);
  for (auto& [name, child] : m.named_children()) for_each_bank(*child, f);
}
}  // namespace

void begin_bn_recalibration(nn::Module& root) {
  nn::begin_bn_recalibration(root);
  for_each_bank(root, [](WeightBank& bank) { bank.begin_bn_recalibration(); });
}

void end_bn_recalibration(nn::Module& root) {
  nn::end_bn_recalibration(root);
  for_each_bank(root, [](WeightBank& bank) { bank.end_bn_recalibration(); });
}

}  // namespace autospace::nas
