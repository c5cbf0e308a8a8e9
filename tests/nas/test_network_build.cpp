#include <catch2/catch.hpp>
#include <algorithm>

#include "engine/autograd/node.h"
#include "engine/nn/dropout.h"
#include "engine/ops/conv_bn_fold.h"
#include "engine/rng/rng.h"
#include "nas/arch_json.h"
#include "nas/cell_choices.h"
#include "nas/cell_sampling.h"
#include "nas/cost_model.h"
#include "nas/network/build_network.h"
#include "nas/network/layer.h"
#include "tests/nas/nas_test_helpers.h"
#include "tests/support/test_support.h"

using namespace autospace;
using namespace autospace::nas;

namespace {

std::int64_t parameter_count(const nn::Module& m) {
  std::int64_t n = 0;
  for (const auto& [name, t] : m.named_parameters()) n += t.numel();
  return n;
}

// A small network: stem, one MBConv with squeeze-excite, a residual cell, a zero block.
Arch small_arch() {
  Arch arch;
  arch.name = "small";
  arch.net.resolution = 16;
  arch.net.classes = 5;
  arch.net.stem = {8, 3, 2};
  arch.net.head = {16, 0.2};
  arch.layers = {{8, 8, 2, MbConvBlock{5, 3, 0.25, Activation::swish}},
                 {8, 8, 1, CellBlock{parse_genotype("e3:concat:c3|id,dw3|zero,c1,id"), 0, std::nullopt}},
                 {8, 8, 1, ZeroBlock{}}};
  return arch;
}

}  // namespace

TEST_CASE("network: built reference networks have the cost model's parameter count", "[network]") {
  for (const char* file : {"mobilenet_v2.json", "mnasnet_b1.json", "efficientnet_b0.json"}) {
    INFO(file);
    const Arch arch = load_arch(test::arch_config(file));
    CHECK(parameter_count(*build_network(arch, 1)) == arch_cost(arch).total.params);
  }
  CHECK(parameter_count(*build_network(load_arch(test::arch_config("mobilenet_v2.json")), 1)) == 3'504'872);
}

TEST_CASE("network: random cells have the cost model's parameter count", "[network]") {
  CellChoices choices;
  choices.ops = {op_zero(), op_identity(), op_conv(1), op_conv(3), op_conv(5), op_dwconv(3), op_dwconv(7)};
  Rng rng({11, RngPurpose::test, 0, 0});
  for (int i = 0; i < 40; ++i) {
    const Genotype g = sample_cell(choices, rng);
    const LayerPosition p{8 + static_cast<int>(rng.below(9)), 8 + static_cast<int>(rng.below(9)),
                          1 + static_cast<int>(rng.below(2)), 8, 8};
    const double se = rng.below(2) ? 0.25 : 0;
    INFO(to_string(g) << " se " << se);
    const auto layer = make_layer(CellBlock{g, se, std::nullopt}, p, {}, "layers.0", 1);
    CHECK(parameter_count(*layer) == cell_cost(g, p, se).params);
  }
}

TEST_CASE("network: a built network names its parameters stably and runs", "[network]") {
  const Arch arch = small_arch();
  auto net = build_network(arch, 4);
  const auto named = net->named_parameters();
  std::vector<std::string> names;
  for (const auto& [name, t] : named) names.push_back(name);
  const std::vector<std::string> expected_prefix{"stem.conv.weight", "stem.bn.weight", "stem.bn.bias",
                                                 "layers.0.bank.input.conv.weight"};
  CHECK(std::vector<std::string>(names.begin(), names.begin() + 4) == expected_prefix);
  CHECK(std::find(names.begin(), names.end(), "layers.0.bank.se.fc1.weight") != names.end());
  CHECK(std::find(names.begin(), names.end(), "layers.1.bank.mix3.from1.weight") != names.end());
  CHECK(names.back() == "classifier.bias");
  CHECK(parameter_count(*net) == arch_cost(arch).total.params);

  auto again = build_network(arch, 4);
  const auto other = again->named_parameters();
  for (std::size_t i = 0; i < named.size(); ++i) CHECK(named[i].second.to_vector() == other[i].second.to_vector());

  const Tensor y = (*net)(test::random_tensor({2, 16, 16, 3}, 1));
  CHECK(y.shape() == Shape{2, 5});
}

// Evaluation folds every conv-BN pair of the stem, the cells' banked convolutions and the
// head (ops::conv_batch_norm_folded); the logits must be the unfolded network's to
// rounding. BN statistics and affine parameters are moved off 1 / 0 first, so that the
// fold changes every weight.
TEST_CASE("network: a built network evaluates alike with BN folded and unfolded", "[network]") {
  auto net = build_network(small_arch(), 4);
  std::uint64_t seed = 50;
  for (const auto& [name, t] : net->named_parameters())
    if (name.find("bn.") != std::string::npos) {
      const Tensor r = test::random_tensor(t.shape(), seed++, 0.5f, 1.5f);
      std::copy_n(r.data<float>(), t.numel(), t.data<float>());
    }
  net->train();
  for (int i = 0; i < 3; ++i) (*net)(test::random_tensor({8, 16, 16, 3}, seed++, -1.f, 2.f));
  net->eval();
  NoGradGuard no_grad;
  const Tensor x = test::random_tensor({16, 16, 16, 3}, seed);
  const Tensor folded = (*net)(x);
  const Tensor unfolded = [&] {
    const ops::ConvBatchNormFolding off(false);
    return (*net)(x);
  }();
  CHECK(test::relative_l2(test::to_double(folded), test::to_double(unfolded)) < 1e-5);
  CHECK(folded.to_vector() != unfolded.to_vector());  // the folded path did run
}

TEST_CASE("network: stochastic depth drops whole residual branches per sample", "[network]") {
  const LayerPosition p{4, 4, 1, 4, 4};
  const Genotype g = parse_genotype("e3:sum:dw3|zero,id|zero,zero,id");
  auto bank = std::make_shared<WeightBank>("", 2, 4, 4, 3);
  CellSettings plain;
  CellSettings dropping = plain;
  dropping.drop_path = 0.5;
  dropping.drop_path_seed = 77;
  Cell full(g, p, plain, bank, BankUse::shared);
  Cell cell(g, p, dropping, bank, BankUse::shared);
  const std::int64_t n = 16, per = 4 * 4 * 4;
  const Tensor x = test::random_tensor({n, 4, 4, 4}, 3);
  const auto xv = x.to_vector(), fv = full(x).to_vector();

  auto kept = [&](std::uint32_t step) {
    nn::set_rng_step(cell, 0, step);
    const auto yv = cell(x).to_vector();
    std::vector<bool> out;
    for (std::int64_t s = 0; s < n; ++s) {
      bool dropped = true;
      for (std::int64_t i = s * per; i < (s + 1) * per; ++i) {
        dropped = dropped && yv[i] == xv[i];
        if (yv[i] != xv[i]) REQUIRE(yv[i] - xv[i] == Approx(2 * (fv[i] - xv[i])).margin(1e-5));
      }
      out.push_back(!dropped);
    }
    return out;
  };
  const auto a = kept(1);
  CHECK(std::count(a.begin(), a.end(), true) > 0);
  CHECK(std::count(a.begin(), a.end(), false) > 0);
  CHECK(kept(1) == a);
  CHECK(kept(2) != a);
  cell.eval();
  full.eval();
  CHECK(cell(x).to_vector() == full(x).to_vector());
}

TEST_CASE("network: bad blocks and cells give clear errors", "[network]") {
  const LayerPosition strided{8, 16, 2, 8, 8};
  CHECK_THROWS_WITH(make_layer(ZeroBlock{}, strided, {}, "layers.4", 1),
                    Catch::Contains("layers.4") && Catch::Contains("a zero block needs stride 1 and in == out"));
  const Genotype broken = parse_genotype("e3:sum:c3|zero,zero|zero,zero,zero");
  CHECK_THROWS_WITH(make_layer(CellBlock{broken, 0, std::nullopt}, {8, 8, 1, 8, 8}, {}, "layers.1", 1),
                    Catch::Contains("is invalid"));
  auto bank = std::make_shared<WeightBank>("layers.2.bank", 1, 8, 8, 3);
  CHECK_THROWS_WITH(Cell(broken, {8, 8, 1, 8, 8}, {}, bank, BankUse::shared), Catch::Contains("is invalid"));
  CHECK_THROWS_WITH(Cell(reference_genotype(), {8, 8, 1, 8, 8}, {}, bank, BankUse::shared),
                    Catch::Contains("expansion 6 above weight bank layers.2.bank's largest, 3"));
  CHECK_THROWS_WITH(
      Cell(parse_genotype("e3:sum:dw3|zero,id|zero,zero,id"), {8, 16, 1, 8, 8}, {}, bank, BankUse::shared),
      Catch::Contains("on weight bank layers.2.bank of 8 -> 8"));
  CHECK_THROWS_WITH(Cell(parse_genotype("e3:sum:dw3|zero,id|zero,zero,id"), {8, 8, 3, 9, 9}, {}, bank, BankUse::shared),
                    Catch::Contains("stride 3"));
  CellSettings se;
  se.se_ratio = 0.25;
  Cell with_se(parse_genotype("e3:sum:dw3|zero,id|zero,zero,id"), {8, 8, 1, 8, 8}, se, bank, BankUse::shared);
  se.se_ratio = 0.5;
  CHECK_THROWS_WITH(Cell(parse_genotype("e3:sum:dw3|zero,id|zero,zero,id"), {8, 8, 1, 8, 8}, se, bank, BankUse::shared),
                    Catch::Contains("slot se.fc1.weight has shape [2, 1, 1, 24] but a cell needs [4, 1, 1, 24]"));
  CHECK_THROWS_WITH(with_se(test::random_tensor({1, 8, 8, 4}, 1)), Catch::Contains("expected [N, H, W, 8]"));
  CHECK_THROWS_WITH(bank->forward(test::random_tensor({1, 8, 8, 8}, 1)), Catch::Contains("holds parameters only"));

  Arch arch = small_arch();
  arch.layers.push_back({8, 16, 2, ZeroBlock{}});
  CHECK_THROWS_WITH(build_network(arch, 1), Catch::Contains("layers[3].block: a zero block needs stride 1"));
}
