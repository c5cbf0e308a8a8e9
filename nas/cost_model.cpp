#include "nas/cost_model.h"

#include "kernels/common/check.h"

namespace autospace::nas {

namespace {

using i64 = std::int64_t;

// kxk convolution (groups 1 or depthwise) without bias, followed by BN.
Cost conv_bn(i64 in_channels, i64 out_channels, i64 kernel, bool depthwise, i64 out_pixels) {
  const i64 per_output = (depthwise ? 1 : in_channels) * kernel * kernel;
  return {out_pixels * out_channels * per_output, out_channels * per_output + 2 * out_channels};
}

// Squeeze-excite on `channels` channels: two 1x1 convs with bias at 1x1 spatial size.
Cost squeeze_excite(i64 channels, i64 squeeze) {
  return {2 * channels * squeeze, 2 * channels * squeeze + squeeze + channels};
}

Cost edge_cost(const Op& op, i64 channels, i64 out_pixels) {
  switch (op.kind) {
    case OpKind::conv: return conv_bn(channels, channels, op.kernel, false, out_pixels);
    case OpKind::dwconv: return conv_bn(channels, channels, op.kernel, true, out_pixels);
    case OpKind::zero:
    case OpKind::identity: return {};
  }
  return {};
}

}  // namespace

Cost cell_cost(const Genotype& g, const LayerPosition& p, double se_ratio) {
  const Genotype c = canonical(g);
  AUTOSPACE_CHECK(is_valid(c), "cost of an invalid cell ", to_string(g));
  const i64 cm = static_cast<i64>(p.in_channels) * c.expansion;
  const FeatureShape out = p.output();
  const i64 in_pixels = static_cast<i64>(p.height) * p.width;
  const i64 out_pixels = static_cast<i64>(out.height) * out.width;
  Cost cost;
  if (c.expansion != 1) cost += conv_bn(p.in_channels, cm, 1, false, in_pixels);
  for (const Op& op : c.edges) cost += edge_cost(op, cm, out_pixels);
  if (c.mix == Mix::concat) {
    for (int inputs : live_input_counts(c))
      if (inputs >= 2) cost += conv_bn(inputs * cm, cm, 1, false, out_pixels);
  }
  if (se_ratio > 0) cost += squeeze_excite(cm, squeeze_channels(p.in_channels, se_ratio));
  cost += conv_bn(cm, p.out_channels, 1, false, out_pixels);
  return cost;
}

Cost mbconv_cost(const MbConvBlock& b, const LayerPosition& p) {
  const i64 cm = static_cast<i64>(p.in_channels) * b.expansion;
  const FeatureShape out = p.output();
  const i64 out_pixels = static_cast<i64>(out.height) * out.width;
  Cost cost;
  if (b.expansion != 1) cost += conv_bn(p.in_channels, cm, 1, false, static_cast<i64>(p.height) * p.width);
  cost += conv_bn(cm, cm, b.kernel, true, out_pixels);
  if (b.se_ratio > 0) cost += squeeze_excite(cm, squeeze_channels(p.in_channels, b.se_ratio));
  cost += conv_bn(cm, p.out_channels, 1, false, out_pixels);
  return cost;
}

Cost block_cost(const Block& block, const LayerPosition& position) {
  if (const auto* cell = std::get_if<CellBlock>(&block)) return cell_cost(cell->genotype, position, cell->se_ratio);
  if (const auto* mb = std::get_if<MbConvBlock>(&block)) return mbconv_cost(*mb, position);
  return {};
}

Cost stem_cost(const NetworkSettings& net) {
  const FeatureShape out = stem_output(net);
  return conv_bn(net.input_channels, net.stem.channels, net.stem.kernel, false, static_cast<i64>(out.height) * out.width);
}

Cost head_conv_cost(const NetworkSettings& net, const FeatureShape& in) {
  return conv_bn(in.channels, net.head.channels, 1, false, static_cast<i64>(in.height) * in.width);
}

Cost classifier_cost(const NetworkSettings& net) {
  const i64 weights = static_cast<i64>(net.head.channels) * net.classes;
  return {weights, weights + net.classes};
}

NetworkCost arch_cost(const Arch& arch) {
  NetworkCost result;
  auto add = [&](std::string label, std::string what, FeatureShape in, FeatureShape out, Cost cost) {
    result.total += cost;
    result.rows.push_back({std::move(label), std::move(what), in, out, cost});
  };
  const NetworkSettings& net = arch.net;
  FeatureShape shape = stem_output(net);
  add("stem", "conv" + std::to_string(net.stem.kernel) + "x" + std::to_string(net.stem.kernel) + " s" + std::to_string(net.stem.stride),
      {net.resolution, net.resolution, net.input_channels}, shape, stem_cost(net));
  const auto positions = layer_positions(arch);
  for (std::size_t i = 0; i < arch.layers.size(); ++i) {
    const LayerPosition& p = positions[i];
    std::string what = describe(arch.layers[i].block);
    if (p.stride != 1) what += " s" + std::to_string(p.stride);
    if (p.skippable() && !std::holds_alternative<ZeroBlock>(arch.layers[i].block)) what += " +res";
    add("layers[" + std::to_string(i) + "]", what, p.input(), p.output(), block_cost(arch.layers[i].block, p));
    shape = p.output();
  }
  const FeatureShape head{shape.height, shape.width, net.head.channels};
  add("head", "conv1x1", shape, head, head_conv_cost(net, shape));
  add("classifier", "pool + fc", head, {1, 1, net.classes}, classifier_cost(net));
  return result;
}

}  // namespace autospace::nas
