#include "nas/space_json.h"

#include <algorithm>

#include "kernels/common/check.h"
#include "nas/network_json.h"

namespace autospace::nas {

namespace {

// Elements of a JSON array that must not repeat, read by `read`.
template <class T, class Read>
std::vector<T> unique_list(const ObjectReader& r, std::string_view key, Read read, std::vector<T> fallback) {
  if (!r.has(key)) return fallback;
  const Json& array = r.array(key);
  if (array.empty()) json_fail(r.path_of(key), "must not be empty");
  std::vector<T> out;
  for (std::size_t i = 0; i < array.size(); ++i) {
    const std::string path = json_index(r.path_of(key), i);
    T value = read(array[i], path);
    if (std::find(out.begin(), out.end(), value) != out.end()) json_fail(path, "listed twice: " + array[i].dump());
    out.push_back(value);
  }
  return out;
}

int expansion(const Json& value, const std::string& path) {
  return static_cast<int>(json_integer(value, path, 1, kMaxExpansion));
}

IrbChoices irb_choices_from_json(const Json& value, const std::string& path) {
  const ObjectReader r(value, path, {"kernels", "expansions"});
  const IrbChoices defaults;
  return {unique_list<int>(
              r, "kernels", [](const Json& v, const std::string& p) { return json_odd_kernel(v, p, kMaxBlockKernel); },
              defaults.kernels),
          unique_list<int>(r, "expansions", expansion, defaults.expansions)};
}

Json irb_choices_to_json(const IrbChoices& choices) {
  return {{"kernels", choices.kernels}, {"expansions", choices.expansions}};
}

std::vector<std::vector<LearnedCell>> learned_layers_from_json(const ObjectReader& r, const Backbone& backbone) {
  const auto positions = searchable_positions(backbone);
  const Json& layers = r.array("layers");
  if (layers.size() != positions.size())
    json_fail("layers", std::to_string(layers.size()) + " entries for the backbone's " + std::to_string(positions.size()) +
                            " searchable layers");
  std::vector<std::vector<LearnedCell>> out;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const ObjectReader layer(layers[i], json_index("layers", i), {"candidates"});
    const Json& candidates = layer.array("candidates");
    if (candidates.empty()) json_fail(layer.path_of("candidates"), "must not be empty");
    std::vector<LearnedCell> cells;
    for (std::size_t j = 0; j < candidates.size(); ++j) {
      const ObjectReader c(candidates[j], json_index(layer.path_of("candidates"), j), {"genotype", "fitness", "madds", "params"});
      Genotype g;
      try {
        g = parse_genotype(c.string("genotype"));
      } catch (const Error& e) {
        json_fail(c.path_of("genotype"), e.what());
      }
      if (!is_valid(g)) json_fail(c.path_of("genotype"), to_string(g) + " is invalid: n3 is not reachable from n0 through non-zero edges");
      check_recorded_cost(c, cell_cost(g, positions[i], backbone.se_ratio));
      std::optional<double> fitness;
      if (c.has("fitness")) fitness = c.number("fitness", {});
      cells.push_back({g, fitness});
    }
    out.push_back(std::move(cells));
  }
  return out;
}

Json learned_layers_to_json(const LearnedSpace& space) {
  Json layers = Json::array();
  for (std::size_t i = 0; i < space.layer_count(); ++i) {
    Json candidates = Json::array();
    for (const LearnedCell& c : space.cells(i)) {
      Json j;
      j["genotype"] = to_string(c.genotype);
      if (c.fitness) j["fitness"] = *c.fitness;
      const Cost cost = cell_cost(c.genotype, space.position(i), space.backbone().se_ratio);
      j["madds"] = cost.madds;
      j["params"] = cost.params;
      candidates.push_back(j);
    }
    layers.push_back({{"candidates", candidates}});
  }
  return layers;
}

}  // namespace

Backbone backbone_from_json(const Json& value, const std::string& path) {
  std::vector<std::string> keys = {"fixed", "stages", "se_ratio"};
  keys.insert(keys.end(), network_setting_keys().begin(), network_setting_keys().end());
  const ObjectReader r(value, path, keys);
  const Backbone defaults;
  Backbone b;
  b.net = read_network_settings(r, &defaults.net);
  if (r.has("fixed")) {
    b.fixed.clear();
    const Json& fixed = r.array("fixed");
    for (std::size_t i = 0; i < fixed.size(); ++i) b.fixed.push_back(layer_from_json(fixed[i], json_index(r.path_of("fixed"), i)));
  }
  if (r.has("stages")) {
    b.stages.clear();
    const Json& stages = r.array("stages");
    if (stages.empty()) json_fail(r.path_of("stages"), "must not be empty");
    for (std::size_t i = 0; i < stages.size(); ++i) {
      const ObjectReader s(stages[i], json_index(r.path_of("stages"), i), {"width", "depth", "stride"});
      b.stages.push_back({static_cast<int>(s.integer("width", 1, kMaxChannels)), static_cast<int>(s.integer("depth", 1, 64)),
                          static_cast<int>(s.integer("stride", 1, 2))});
    }
  }
  b.se_ratio = r.number_or("se_ratio", 0, {0, 1, false, false});
  check_backbone(b, path);
  return b;
}

Json backbone_to_json(const Backbone& b) {
  Json j;
  write_network_settings(j, b.net);
  Json fixed = Json::array();
  for (const Layer& layer : b.fixed) fixed.push_back(layer_to_json(layer));
  j["fixed"] = fixed;
  Json stages = Json::array();
  for (const Stage& s : b.stages) stages.push_back({{"width", s.width}, {"depth", s.depth}, {"stride", s.stride}});
  j["stages"] = stages;
  j["se_ratio"] = b.se_ratio;
  return j;
}

CellChoices cell_choices_from_json(const Json& value, const std::string& path) {
  const ObjectReader r(value, path, {"ops", "expansions", "mixes"});
  const CellChoices defaults;
  CellChoices c;
  c.ops = unique_list<Op>(
      r, "ops",
      [](const Json& v, const std::string& p) {
        const OpParse op = parse_op(json_string(v, p));
        if (!op.error.empty()) json_fail(p, op.error);
        return op.op;
      },
      defaults.ops);
  c.expansions = unique_list<int>(r, "expansions", expansion, defaults.expansions);
  c.mixes = unique_list<Mix>(
      r, "mixes", [](const Json& v, const std::string& p) { return static_cast<Mix>(json_choice(v, p, {"sum", "concat"})); },
      defaults.mixes);
  return c;
}

Json cell_choices_to_json(const CellChoices& choices) {
  Json ops = Json::array();
  for (const Op& op : choices.ops) ops.push_back(to_string(op));
  Json mixes = Json::array();
  for (Mix m : choices.mixes) mixes.push_back(std::string(to_string(m)));
  return {{"ops", ops}, {"expansions", choices.expansions}, {"mixes", mixes}};
}

std::unique_ptr<Space> space_from_json(const Json& value) {
  if (!value.is_object()) json_fail("", "expected an object, got " + json_describe(value));
  if (!value.contains("kind")) json_fail("", "missing key \"kind\" (one of \"open\", \"irb\", \"learned\")");
  const auto kind = static_cast<SpaceKind>(json_choice(value.at("kind"), "kind", {"open", "irb", "learned"}));
  std::vector<std::string> keys = {"format", "kind", "skip", "backbone"};
  keys.push_back(kind == SpaceKind::open ? "cell" : kind == SpaceKind::irb ? "irb" : "layers");
  const ObjectReader r(value, "", keys);
  expect_format(r, kSpaceFormat);
  const bool skip = r.boolean_or("skip", true);
  Backbone backbone = r.has("backbone") ? backbone_from_json(r.at("backbone"), "backbone") : Backbone{};
  switch (kind) {
    case SpaceKind::open: {
      const CellChoices choices = r.has("cell") ? cell_choices_from_json(r.at("cell"), "cell") : CellChoices{};
      return std::make_unique<OpenSpace>(std::move(backbone), choices, skip);
    }
    case SpaceKind::irb: {
      const IrbChoices choices = r.has("irb") ? irb_choices_from_json(r.at("irb"), "irb") : IrbChoices{};
      return std::make_unique<IrbSpace>(std::move(backbone), choices, skip);
    }
    case SpaceKind::learned: {
      auto layers = learned_layers_from_json(r, backbone);
      return std::make_unique<LearnedSpace>(std::move(backbone), std::move(layers), skip);
    }
  }
  AUTOSPACE_THROW("unreachable space kind");
}

Json space_to_json(const Space& space) {
  Json j;
  j["format"] = kSpaceFormat;
  j["kind"] = std::string(to_string(space.kind()));
  j["skip"] = space.skip();
  j["backbone"] = backbone_to_json(space.backbone());
  switch (space.kind()) {
    case SpaceKind::open: j["cell"] = cell_choices_to_json(static_cast<const OpenSpace&>(space).choices()); break;
    case SpaceKind::irb: j["irb"] = irb_choices_to_json(static_cast<const IrbSpace&>(space).choices()); break;
    case SpaceKind::learned: j["layers"] = learned_layers_to_json(static_cast<const LearnedSpace&>(space)); break;
  }
  return j;
}

std::unique_ptr<Space> load_space(const std::filesystem::path& file) {
  const Json value = read_json_file(file);
  try {
    return space_from_json(value);
  } catch (const Error& e) {
    AUTOSPACE_THROW(file.string(), ": ", e.what());
  }
}

void save_space(const std::filesystem::path& file, const Space& space) { write_json_file(file, space_to_json(space)); }

}  // namespace autospace::nas
