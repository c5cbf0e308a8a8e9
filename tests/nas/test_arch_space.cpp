#include <catch2/catch.hpp>

#include "nas/arch_json.h"
#include "nas/cost_model.h"
#include "nas/enumerate.h"
#include "nas/madds_budget.h"
#include "nas/space_json.h"
#include "tests/nas/nas_test_helpers.h"

using namespace autospace;
using namespace autospace::nas;

namespace {

// A learned space: two cells per layer with made-up fitness.
LearnedSpace small_learned_space(const Backbone& backbone = {}) {
  std::vector<std::vector<LearnedCell>> layers;
  for (std::size_t i = 0; i < searchable_positions(backbone).size(); ++i)
    layers.push_back({{parse_genotype("e6:sum:dw3|zero,id|zero,zero,id"), 0.5 - 0.01 * static_cast<double>(i)},
                      {parse_genotype("e3:concat:dw3|c1,id|zero,id,id"), -0.25}});
  return LearnedSpace(backbone, std::move(layers), true);
}

}  // namespace

TEST_CASE("arch.json round trips", "[arch]") {
  for (const char* name : {"mobilenet_v2.json", "mnasnet_b1.json", "efficientnet_b0.json"}) {
    INFO(name);
    const Arch arch = load_arch(test::arch_config(name));
    const Json j = arch_to_json(arch);
    CHECK(arch_from_json(j) == arch);
    CHECK(arch_to_json(arch_from_json(j)) == j);
    test::TempDir dir;
    save_arch(dir / "arch.json", arch);
    CHECK(load_arch(dir / "arch.json") == arch);
  }
  // Cells, squeeze-excite, per-block activations and zero blocks survive too.
  Backbone backbone;
  std::vector<Block> blocks;
  const auto positions = searchable_positions(backbone);
  for (std::size_t i = 0; i < positions.size(); ++i) {
    if (positions[i].skippable() && i % 3 == 0) blocks.push_back(ZeroBlock{});
    else if (i % 2) blocks.push_back(CellBlock{parse_genotype("e3:concat:dw3|c1,id|zero,id,id"), 0.25, Activation::hswish});
    else blocks.push_back(MbConvBlock{5, 6, 0, Activation::swish});
  }
  const Arch arch = make_arch(backbone, blocks, "mixed");
  CHECK(arch_from_json(arch_to_json(arch)) == arch);
}

TEST_CASE("the default backbone is ProxylessNAS-mobile: 21 searchable layers", "[space]") {
  const Backbone backbone;
  const auto p = searchable_positions(backbone);
  REQUIRE(p.size() == 21);
  CHECK(p.front() == LayerPosition{16, 24, 2, 112, 112});
  CHECK(p[1] == LayerPosition{24, 24, 1, 56, 56});
  CHECK(p[12] == LayerPosition{80, 96, 1, 14, 14});
  CHECK(p.back() == LayerPosition{192, 320, 1, 7, 7});
  int skippable = 0;
  for (const LayerPosition& x : p) skippable += x.skippable() ? 1 : 0;
  CHECK(skippable == 15);
}

TEST_CASE("the three kinds of space list their candidates", "[space]") {
  const Backbone backbone;
  const IrbSpace irb(backbone, {}, true);
  CHECK(irb.layer_count() == 21);
  CHECK(irb.candidates(0).size() == 6);  // stride 2: no zero
  const auto second = irb.candidates(1);
  REQUIRE(second.size() == 7);
  CHECK(second.front().block == Block{MbConvBlock{3, 3, 0, std::nullopt}});
  CHECK(second.back().block == Block{ZeroBlock{}});
  CHECK(IrbSpace(backbone, {}, false).candidates(1).size() == 6);

  const OpenSpace open(backbone, {}, true);
  CHECK(open.cells().size() == 56'364);
  CHECK(open.candidates(0).size() == 56'364);
  CHECK(open.candidates(1).size() == 56'365);

  const LearnedSpace learned = small_learned_space();
  const auto cands = learned.candidates(1);
  REQUIRE(cands.size() == 3);
  CHECK(cands[0].fitness == Approx(0.49));
  CHECK_FALSE(cands[2].fitness.has_value());
  CHECK(learned.candidate_costs(1)[2] == Cost{});
}

TEST_CASE("a network of the space costs its fixed part plus its choices", "[space][cost]") {
  const IrbSpace irb(Backbone{}, {}, true);
  const Cost fixed = backbone_fixed_cost(irb.backbone());
  std::vector<Block> blocks;
  Cost expected = fixed;
  for (std::size_t layer = 0; layer < irb.layer_count(); ++layer) {
    const auto candidates = irb.candidates(layer);
    const std::size_t pick = layer % candidates.size();
    blocks.push_back(candidates[pick].block);
    expected += irb.candidate_costs(layer)[pick];
  }
  CHECK(arch_cost(make_arch(irb.backbone(), blocks, "")).total == expected);
}

TEST_CASE("space.json round trips", "[space]") {
  Backbone cifar;
  cifar.net.resolution = 32;
  cifar.net.classes = 10;
  cifar.net.stem.stride = 1;
  cifar.stages = {{24, 2, 1}, {40, 2, 2}, {80, 2, 2}};
  cifar.se_ratio = 0.25;
  const OpenSpace open(cifar, CellChoices{{op_zero(), op_identity(), op_dwconv(5)}, {1, 6}, {Mix::sum}}, false);
  const IrbSpace irb(cifar, IrbChoices{{3, 5}, {6}}, true);
  const LearnedSpace learned = small_learned_space(cifar);
  for (const Space* space : std::initializer_list<const Space*>{&open, &irb, &learned}) {
    INFO(to_string(space->kind()));
    const Json j = space_to_json(*space);
    const auto back = space_from_json(j);
    CHECK(back->kind() == space->kind());
    CHECK(back->backbone() == space->backbone());
    CHECK(back->skip() == space->skip());
    for (std::size_t layer = 0; layer < space->layer_count(); ++layer) CHECK(back->candidates(layer) == space->candidates(layer));
    CHECK(space_to_json(*back) == j);
  }
  test::TempDir dir;
  save_space(dir / "space.json", learned);
  CHECK(load_space(dir / "space.json")->candidates(3) == learned.candidates(3));
  // A minimal file: every backbone setting and the choices take their defaults.
  const auto minimal = space_from_json(Json{{"format", "autospace.space/1"}, {"kind", "irb"}});
  CHECK(minimal->backbone() == Backbone{});
  CHECK(minimal->candidates(1).size() == 7);
}

TEST_CASE("bad space.json inputs are rejected with the JSON path and the problem", "[space][json]") {
  const Json good = space_to_json(small_learned_space());
  struct Case {
    const char* what;
    std::function<void(Json&)> edit;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"unknown kind", [](Json& j) { j["kind"] = "lerned"; }, "kind: \"lerned\" is not one of \"open\", \"irb\", \"learned\" (did you mean \"learned\"?)"},
      {"key of another kind", [](Json& j) { j["cell"] = Json::object(); }, "cell: unknown key \"cell\""},
      {"too few layers", [](Json& j) { j["layers"].erase(20); }, "layers: 20 entries for the backbone's 21 searchable layers"},
      {"bad genotype", [](Json& j) { j["layers"][4]["candidates"][1]["genotype"] = "e6:sum:dw3|zero,idd|zero,zero,id"; },
       "layers[4].candidates[1].genotype: cell \"e6:sum:dw3|zero,idd|zero,zero,id\": edge n1->n2: unknown op \"idd\""},
      {"invalid cell", [](Json& j) { j["layers"][0]["candidates"][0]["genotype"] = "e6:sum:dw3|zero,zero|zero,zero,id"; },
       "layers[0].candidates[0].genotype: e6:sum:dw3|zero,zero|zero,zero,id is invalid"},
      {"MAdds that disagree", [](Json& j) { j["layers"][2]["candidates"][0]["madds"] = 5; },
       "layers[2].candidates[0].madds: 5 disagrees with the cost model"},
      {"fitness of the wrong type", [](Json& j) { j["layers"][2]["candidates"][0]["fitness"] = "high"; },
       "layers[2].candidates[0].fitness: expected a number, got string \"high\""},
      {"empty layer", [](Json& j) { j["layers"][2]["candidates"] = Json::array(); }, "layers[2].candidates: must not be empty"},
      {"stage of depth 0", [](Json& j) { j["backbone"]["stages"][0]["depth"] = 0; },
       "backbone.stages[0].depth: 0 is out of range: expected an integer in [1, 64]"},
      {"misspelt backbone key", [](Json& j) { j["backbone"]["stagse"] = Json::array(); },
       "backbone.stagse: unknown key \"stagse\" (did you mean \"stages\"?)"},
      {"fixed layer off the stem", [](Json& j) { j["backbone"]["fixed"][0]["in"] = 8; },
       "backbone.fixed[0].in: 8 does not match the channels coming in (32 from the stem)"},
      {"skip of the wrong type", [](Json& j) { j["skip"] = "yes"; }, "skip: expected true or false, got string \"yes\""},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    Json j = good;
    c.edit(j);
    CHECK_THAT(test::error_of([&] { space_from_json(j); }), Catch::Contains(c.message));
  }
  const Json open = {{"format", "autospace.space/1"}, {"kind", "open"}, {"cell", {{"ops", {"zero", "id", "c3", "id"}}}}};
  CHECK_THAT(test::error_of([&] { space_from_json(open); }), Catch::Contains("cell.ops[3]: listed twice: \"id\""));
  const Json irb = {{"format", "autospace.space/1"}, {"kind", "irb"}, {"irb", {{"kernels", {3, 4}}}}};
  CHECK_THAT(test::error_of([&] { space_from_json(irb); }), Catch::Contains("irb.kernels[1]: kernel 4 must be odd"));
}
