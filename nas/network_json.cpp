#include "nas/network_json.h"

#include <limits>
#include <utility>

#include "kernels/common/check.h"

namespace autospace::nas {

namespace {

const NumberRange kSeRatio{0, 1, true, false};
const NumberRange kProbability{0, 1, false, true};

const std::vector<std::string>& edge_keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> k;
    for (const Edge& e : kEdges) k.push_back(std::to_string(e.from) + "-" + std::to_string(e.to));
    return k;
  }();
  return keys;
}

// An integer that is required when `fallback` is null and defaults to it otherwise.
int setting(const ObjectReader& r, std::string_view key, const int* fallback, int min, int max) {
  return static_cast<int>(fallback ? r.integer_or(key, *fallback, min, max) : r.integer(key, min, max));
}

double setting(const ObjectReader& r, std::string_view key, const double* fallback, const NumberRange& range) {
  return fallback ? r.number_or(key, *fallback, range) : r.number(key, range);
}

int odd_kernel(const ObjectReader& r, std::string_view key, const int* fallback, int max) {
  return fallback && !r.has(key) ? *fallback : json_odd_kernel(r.at(key), r.path_of(key), max);
}

std::optional<Activation> optional_activation(const ObjectReader& r) {
  const auto index = r.optional_choice("activation", activation_names());
  if (!index) return std::nullopt;
  return static_cast<Activation>(*index);
}

void write_extras(Json& j, double se_ratio, const std::optional<Activation>& activation) {
  if (se_ratio > 0) j["se_ratio"] = se_ratio;
  if (activation) j["activation"] = std::string(to_string(*activation));
}

Block cell_from_json(const Json& value, const std::string& path) {
  const ObjectReader r(value, path, {"type", "expansion", "mix", "edges", "se_ratio", "activation"});
  CellBlock cell;
  cell.genotype.expansion = static_cast<int>(r.integer("expansion", 1, kMaxExpansion));
  cell.genotype.mix = static_cast<Mix>(r.choice("mix", {"sum", "concat"}));
  const ObjectReader edges = r.object("edges", edge_keys());
  for (int e = 0; e < kEdgeCount; ++e) {
    const std::string& key = edge_keys()[e];
    const OpParse op = parse_op(edges.string(key));
    if (!op.error.empty()) json_fail(edges.path_of(key), op.error);
    cell.genotype.edges[e] = op.op;
  }
  cell.se_ratio = r.number_or("se_ratio", 0, kSeRatio);
  cell.activation = optional_activation(r);
  if (!is_valid(cell.genotype))
    json_fail(path, "cell " + to_string(cell.genotype) + " is invalid: n3 is not reachable from n0 through non-zero edges");
  return cell;
}

Block mbconv_from_json(const Json& value, const std::string& path) {
  const ObjectReader r(value, path, {"type", "kernel", "expansion", "se_ratio", "activation"});
  MbConvBlock mb;
  mb.kernel = odd_kernel(r, "kernel", nullptr, kMaxBlockKernel);
  mb.expansion = static_cast<int>(r.integer("expansion", 1, kMaxBlockExpansion));
  mb.se_ratio = r.number_or("se_ratio", 0, kSeRatio);
  mb.activation = optional_activation(r);
  return mb;
}

}  // namespace

int json_odd_kernel(const Json& value, const std::string& path, int max) {
  const int k = static_cast<int>(json_integer(value, path, 1, max));
  if (k % 2 == 0) json_fail(path, "kernel " + std::to_string(k) + " must be odd (padding is kernel / 2)");
  return k;
}

void check_recorded_cost(const ObjectReader& r, const Cost& computed) {
  const std::pair<const char*, std::int64_t> figures[] = {{"madds", computed.madds}, {"params", computed.params}};
  for (const auto& [key, value] : figures) {
    const auto recorded = r.optional_integer(key, 0, std::numeric_limits<std::int64_t>::max());
    if (recorded && *recorded != value)
      json_fail(r.path_of(key), std::to_string(*recorded) + " disagrees with the cost model, which gives " +
                                    std::to_string(value) + " (correct it or leave the key out)");
  }
}

Json block_to_json(const Block& block) {
  Json j;
  if (const auto* cell = std::get_if<CellBlock>(&block)) {
    j["type"] = "cell";
    j["expansion"] = cell->genotype.expansion;
    j["mix"] = std::string(to_string(cell->genotype.mix));
    Json edges = Json::object();
    for (int e = 0; e < kEdgeCount; ++e) edges[edge_keys()[e]] = to_string(cell->genotype.edges[e]);
    j["edges"] = edges;
    write_extras(j, cell->se_ratio, cell->activation);
  } else if (const auto* mb = std::get_if<MbConvBlock>(&block)) {
    j["type"] = "mbconv";
    j["kernel"] = mb->kernel;
    j["expansion"] = mb->expansion;
    write_extras(j, mb->se_ratio, mb->activation);
  } else {
    j["type"] = "zero";
  }
  return j;
}

Block block_from_json(const Json& value, const std::string& path) {
  if (!value.is_object()) json_fail(path, "expected an object, got " + json_describe(value));
  if (!value.contains("type")) json_fail(path, "missing key \"type\" (one of \"cell\", \"mbconv\", \"zero\")");
  switch (json_choice(value.at("type"), json_child(path, "type"), {"cell", "mbconv", "zero"})) {
    case 0: return cell_from_json(value, path);
    case 1: return mbconv_from_json(value, path);
    default: {
      [[maybe_unused]] const ObjectReader only_type(value, path, {"type"});
      return ZeroBlock{};
    }
  }
}

Json layer_to_json(const Layer& layer) {
  Json j;
  j["in"] = layer.in;
  j["out"] = layer.out;
  j["stride"] = layer.stride;
  j["block"] = block_to_json(layer.block);
  return j;
}

Layer layer_from_json(const Json& value, const std::string& path) {
  const ObjectReader r(value, path, {"in", "out", "stride", "block"});
  Layer layer;
  layer.in = static_cast<int>(r.integer("in", 1, kMaxChannels));
  layer.out = static_cast<int>(r.integer("out", 1, kMaxChannels));
  layer.stride = static_cast<int>(r.integer("stride", 1, 2));
  layer.block = block_from_json(r.at("block"), r.path_of("block"));
  return layer;
}

const std::vector<std::string>& network_setting_keys() {
  static const std::vector<std::string> keys = {"resolution", "input_channels", "classes", "activation",
                                                "batch_norm", "stochastic_depth", "stem", "head"};
  return keys;
}

NetworkSettings read_network_settings(const ObjectReader& r, const NetworkSettings* defaults) {
  // Settings with a default of their own even when the object has no defaults.
  const NetworkSettings standard;
  NetworkSettings net;
  net.resolution = setting(r, "resolution", defaults ? &defaults->resolution : nullptr, 1, 16384);
  net.input_channels = setting(r, "input_channels", defaults ? &defaults->input_channels : &standard.input_channels, 1, 1024);
  net.classes = setting(r, "classes", defaults ? &defaults->classes : nullptr, 1, 1000000);
  if (r.has("activation") || !defaults) net.activation = static_cast<Activation>(r.choice("activation", activation_names()));
  else net.activation = defaults->activation;
  const NetworkSettings& fallback = defaults ? *defaults : standard;
  net.batch_norm = fallback.batch_norm;
  if (r.has("batch_norm")) {
    const ObjectReader bn = r.object("batch_norm", {"eps", "momentum"});
    net.batch_norm.eps = bn.number_or("eps", fallback.batch_norm.eps, {0, 1, true, true});
    net.batch_norm.momentum = bn.number_or("momentum", fallback.batch_norm.momentum, {0, 1, true, false});
  }
  net.stochastic_depth = r.number_or("stochastic_depth", fallback.stochastic_depth, kProbability);
  net.stem = fallback.stem;
  if (r.has("stem") || !defaults) {
    const ObjectReader stem = r.object("stem", {"channels", "kernel", "stride"});
    const Stem* d = defaults ? &defaults->stem : nullptr;
    net.stem.channels = setting(stem, "channels", d ? &d->channels : nullptr, 1, kMaxChannels);
    net.stem.kernel = odd_kernel(stem, "kernel", d ? &d->kernel : nullptr, 11);
    net.stem.stride = setting(stem, "stride", d ? &d->stride : nullptr, 1, 4);
  }
  net.head = fallback.head;
  if (r.has("head") || !defaults) {
    const ObjectReader head = r.object("head", {"channels", "dropout"});
    const Head* d = defaults ? &defaults->head : nullptr;
    net.head.channels = setting(head, "channels", d ? &d->channels : nullptr, 1, kMaxChannels);
    net.head.dropout = setting(head, "dropout", d ? &d->dropout : nullptr, kProbability);
  }
  return net;
}

void write_network_settings(Json& j, const NetworkSettings& net) {
  j["resolution"] = net.resolution;
  j["input_channels"] = net.input_channels;
  j["classes"] = net.classes;
  j["activation"] = std::string(to_string(net.activation));
  j["batch_norm"] = {{"eps", net.batch_norm.eps}, {"momentum", net.batch_norm.momentum}};
  j["stochastic_depth"] = net.stochastic_depth;
  j["stem"] = {{"channels", net.stem.channels}, {"kernel", net.stem.kernel}, {"stride", net.stem.stride}};
  j["head"] = {{"channels", net.head.channels}, {"dropout", net.head.dropout}};
}

}  // namespace autospace::nas
