#include "nas/network/cell.h"

#include "engine/ops/activation.h"
#include "engine/ops/add.h"
#include "engine/ops/broadcast_mul.h"
#include "engine/ops/concat.h"
#include "engine/ops/conv2d.h"
#include "engine/ops/pool.h"
#include "engine/ops/reshape.h"
#include "kernels/common/check.h"
#include "nas/network/activation.h"

namespace autospace::nas {

namespace {

std::string edge_slot(const Edge& e, const Op& op) {
  return "edge" + std::to_string(e.from) + std::to_string(e.to) + "." + to_string(op);
}

bool has_weights(const Op& op) { return op.kind == OpKind::conv || op.kind == OpKind::dwconv; }

}  // namespace

Cell::Cell(const Genotype& genotype, const LayerPosition& position, const CellSettings& settings,
           std::shared_ptr<WeightBank> bank, BankUse use)
    : genotype_(canonical(genotype)), position_(position), settings_(settings), bank_(std::move(bank)) {
  AUTOSPACE_CHECK(bank_, "cell ", to_string(genotype), ": no weight bank");
  AUTOSPACE_CHECK(is_valid(genotype_), "cell ", to_string(genotype),
                  " is invalid: n3 is not reachable from n0 through non-zero edges");
  AUTOSPACE_CHECK(position.stride == 1 || position.stride == 2, "cell ", to_string(genotype), ": stride ",
                  position.stride, " (cells support stride 1 or 2)");
  AUTOSPACE_CHECK(bank_->in_channels() == position.in_channels && bank_->out_channels() == position.out_channels,
                  "cell ", to_string(genotype), " at ", position.in_channels, " -> ", position.out_channels,
                  " channels on weight bank ", bank_->path(), " of ", bank_->in_channels(), " -> ",
                  bank_->out_channels());
  AUTOSPACE_CHECK(genotype_.expansion <= bank_->max_expansion(), "cell ", to_string(genotype), ": expansion ",
                  genotype_.expansion, " above weight bank ", bank_->path(), "'s largest, ", bank_->max_expansion());
  AUTOSPACE_CHECK(settings.drop_path >= 0 && settings.drop_path < 1, "cell ", to_string(genotype),
                  ": drop-path probability ", settings.drop_path, " outside [0, 1)");
  if (use == BankUse::owned) add_module("bank", bank_);

  width_ = position.in_channels * genotype_.expansion;
  residual_ = settings.residual && position.skippable();
  const std::int64_t wide = bank_->max_width();
  if (genotype_.expansion != 1) input_ = bank_->conv_bn("input", {wide, 1, 1, position.in_channels});

  mixes_.resize(4);
  inputs_ = live_input_counts(genotype_);
  for (int e = 0; e < kEdgeCount; ++e) {
    const Op& op = genotype_.edges[e];
    if (op.kind == OpKind::zero) continue;
    const Edge& edge = kEdges[e];
    EdgeStep step{edge.from, edge.to, op, edge.from == 0 ? position.stride : 1, {}};
    if (has_weights(op))
      step.weights =
          bank_->conv_bn(edge_slot(edge, op), {wide, op.kernel, op.kernel, op.kind == OpKind::dwconv ? 1 : wide});
    edges_.push_back(step);
    if (genotype_.mix == Mix::concat && inputs_[edge.to] >= 2)
      mixes_[edge.to].blocks.push_back(
          bank_->parameter("mix" + std::to_string(edge.to) + ".from" + std::to_string(edge.from) + ".weight",
                           {wide, 1, 1, wide}, nn::Init::kaiming_normal_fan_out));
  }
  for (int node = 1; node < 4; ++node)
    if (!mixes_[node].blocks.empty()) mixes_[node].bn = bank_->batch_norm("mix" + std::to_string(node) + ".bn", wide);

  if (settings.se_ratio > 0) {
    const std::int64_t squeeze = squeeze_channels(position.in_channels, settings.se_ratio);
    se_ = {static_cast<int>(squeeze),
           bank_->parameter("se.fc1.weight", {squeeze, 1, 1, wide}, nn::Init::kaiming_normal_fan_out),
           bank_->parameter("se.fc1.bias", {squeeze}, nn::Init::zeros),
           bank_->parameter("se.fc2.weight", {wide, 1, 1, squeeze}, nn::Init::kaiming_normal_fan_out),
           bank_->parameter("se.fc2.bias", {wide}, nn::Init::zeros)};
  }
  output_ = bank_->conv_bn("output", {position.out_channels, 1, 1, wide});
  if (residual_ && settings.drop_path > 0)
    drop_path_ = add_module(
        "drop_path", std::make_shared<nn::Dropout>(static_cast<float>(settings.drop_path), settings.drop_path_seed));
}

Tensor Cell::conv_bn(const Tensor& x, const BankConvBn& w, std::int64_t out, int kernel, int stride,
                     bool depthwise, ops::Activation activation) const {
  const std::int64_t in = x.dim(-1);
  const Tensor weight = leading_weight(w.weight, out, depthwise ? 1 : in);
  const ops::Conv2dOptions options{stride, kernel / 2, depthwise ? static_cast<int>(in) : 1};
  return banked_conv_batch_norm(x, weight, options, w.bn, settings_.batch_norm, is_training(), activation);
}

ops::Activation Cell::activation() const { return engine_activation(settings_.activation); }
Tensor Cell::act(const Tensor& x) const { return ops::activation(x, activation()); }

Tensor Cell::run_edge(const EdgeStep& edge, const Tensor& x) const {
  switch (edge.op.kind) {
    case OpKind::conv:
    case OpKind::dwconv:
      return conv_bn(x, edge.weights, width_, edge.op.kernel, edge.stride, edge.op.kind == OpKind::dwconv,
                     activation());
    case OpKind::identity: {
      if (edge.stride == 1) return x;
      // Padding one on odd sizes yields ceil(size / 2) like the strided convolutions.
      AUTOSPACE_CHECK(x.dim(1) % 2 == x.dim(2) % 2, "cell ", to_string(genotype_), ": a strided identity edge needs ",
                      "height and width of the same parity, got ", shape_str(x.shape()));
      return ops::avg_pool2d(x, 2, 2, static_cast<int>(x.dim(1) % 2));
    }
    case OpKind::zero: break;
  }
  AUTOSPACE_THROW("cell ", to_string(genotype_), ": a zero edge is never run");
}

Tensor Cell::mix(int node, const std::vector<Tensor>& inputs) const {
  if (genotype_.mix == Mix::sum) {
    Tensor total = inputs[0];
    for (std::size_t i = 1; i < inputs.size(); ++i) total = ops::add(total, inputs[i]);
    return total;
  }
  const NodeMix& m = mixes_[node];
  // The conv over the concatenated inputs is assembled from per-input blocks, so each
  // input keeps its own weights whatever the other inputs' widths.
  std::vector<Tensor> blocks;
  for (const Tensor& block : m.blocks) blocks.push_back(leading_weight(block, width_, width_));
  const Tensor weight = ops::concat_channels(blocks);
  const Tensor y = ops::conv2d(ops::concat_channels(inputs), weight, Tensor(), {1, 0, 1});
  return banked_batch_norm(y, m.bn, settings_.batch_norm, is_training());
}

Tensor Cell::squeeze_excite(const Tensor& x) const {
  Tensor s = ops::global_avg_pool(x);
  s = ops::conv2d(s, leading_weight(se_.reduce_weight, se_.channels, width_), se_.reduce_bias, {1, 0, 1});
  s = act(s);
  s = ops::conv2d(s, leading_weight(se_.expand_weight, width_, se_.channels), leading(se_.expand_bias, 0, width_),
                  {1, 0, 1});
  return ops::broadcast_mul(x, ops::sigmoid(s));
}

Tensor Cell::forward(const Tensor& x) {
  AUTOSPACE_CHECK(x.ndim() == 4 && x.dim(3) == position_.in_channels, "cell ", to_string(genotype_), ": input ",
                  shape_str(x.shape()), ", expected [N, H, W, ", position_.in_channels, "]");
  std::vector<Tensor> nodes(4);
  nodes[0] = genotype_.expansion == 1 ? x : conv_bn(x, input_, width_, 1, 1, false, activation());
  std::vector<std::vector<Tensor>> inputs(4);
  for (const EdgeStep& edge : edges_) {
    // Edges are ordered by target node, so every source is complete when first read.
    inputs[edge.to].push_back(run_edge(edge, nodes[edge.from]));
    if (inputs[edge.to].size() == static_cast<std::size_t>(inputs_[edge.to]))
      nodes[edge.to] = inputs[edge.to].size() == 1 ? inputs[edge.to][0] : mix(edge.to, inputs[edge.to]);
  }
  Tensor y = nodes[3];
  if (se_.channels > 0) y = squeeze_excite(y);
  y = conv_bn(y, output_, position_.out_channels, 1, 1, false, ops::Activation::identity);
  if (!residual_) return y;
  if (drop_path_ && is_training()) {
    const std::int64_t n = y.dim(0);
    const Tensor keep = drop_path_->forward(Tensor::ones({n, 1, 1, 1}, y.device()).to(y.dtype()));
    // Viewed as [N, H*W*C, 1, 1] the per-sample mask broadcasts over everything else.
    y = ops::reshape(ops::broadcast_mul(ops::reshape(y, {n, y.numel() / n, 1, 1}), keep), y.shape());
  }
  return ops::add(x, y);
}

}  // namespace autospace::nas
