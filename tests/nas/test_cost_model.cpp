#include <catch2/catch.hpp>

#include <cmath>

#include "engine/rng/rng.h"
#include "nas/arch_json.h"
#include "nas/cost_model.h"
#include "nas/madds_budget.h"
#include "tests/nas/nas_test_helpers.h"

using namespace autospace;
using namespace autospace::nas;

// The figures come from tools/torchvision_counts.py (torchvision 0.14, forward hooks on
// every Conv2d and Linear at 224x224, 1000 classes; params = every learnable tensor).
TEST_CASE("the reference networks match torchvision's MAdds and params", "[cost]") {
  struct Expected {
    const char* file;
    std::int64_t madds;
    std::int64_t params;
  };
  const Expected expected[] = {
      {"mobilenet_v2.json", 300'774'272, 3'504'872},
      {"mnasnet_b1.json", 314'415'872, 4'383'312},
      {"efficientnet_b0.json", 385'814'752, 5'288'548},
  };
  for (const Expected& e : expected) {
    INFO(e.file);
    const NetworkCost cost = arch_cost(load_arch(test::arch_config(e.file)));
    CHECK(cost.total.madds == e.madds);
    CHECK(cost.total.params == e.params);
    Cost sum;
    for (const CostRow& row : cost.rows) sum += row.cost;
    CHECK(sum == cost.total);
  }
}

TEST_CASE("the reference cell costs what the MBConv it describes costs", "[cost]") {
  const LayerPosition positions[] = {{16, 24, 2, 112, 112}, {24, 24, 1, 56, 56}, {40, 80, 2, 28, 28}, {96, 96, 1, 7, 7}, {3, 5, 2, 9, 9}};
  for (const LayerPosition& p : positions) {
    for (double se : {0.0, 0.25}) {
      CHECK(cell_cost(reference_genotype(), p, se) == mbconv_cost({3, 6, se, std::nullopt}, p));
      CHECK(cell_cost(parse_genotype("e1:sum:dw3|zero,id|zero,zero,id"), p, se) == mbconv_cost({3, 1, se, std::nullopt}, p));
    }
  }
}

TEST_CASE("cell cost by hand: convs, a concat node and odd sizes", "[cost]") {
  // e3 at 15x15x8 -> 16 channels, stride 2: Cm = 24, output 8x8 (ceil(15 / 2)).
  // I: 1x1 8->24 at 15x15; n1 = c3(n0); n2 = concat(id(n0) = 2x2 pool, c1(n1)) -> 1x1 48->24;
  // n3 = dw3(n2); O: 1x1 24->16.
  const Genotype g = parse_genotype("e3:concat:c3|id,c1|zero,zero,dw3");
  const LayerPosition p{8, 16, 2, 15, 15};
  const std::int64_t in_px = 15 * 15, out_px = 8 * 8;
  const std::int64_t madds = in_px * 8 * 24 + out_px * 24 * 24 * 9 + out_px * 24 * 24 + out_px * 48 * 24 + out_px * 24 * 9 +
                             out_px * 24 * 16;
  const std::int64_t params = (8 * 24 + 48) + (24 * 24 * 9 + 48) + (24 * 24 + 48) + (48 * 24 + 48) + (24 * 9 + 48) + (24 * 16 + 32);
  CHECK(cell_cost(g, p) == Cost{madds, params});
  // With sum the concat conv disappears; dead edges cost nothing.
  CHECK(cell_cost(parse_genotype("e3:sum:c3|id,c1|zero,zero,dw3"), p) == Cost{madds - out_px * 48 * 24, params - (48 * 24 + 48)});
  CHECK(cell_cost(parse_genotype("e3:concat:c3|c3,c1|zero,c3,dw3"), p).madds > madds);
  CHECK(cell_cost(parse_genotype("e3:concat:c3|id,c1|zero,zero,dw3"), p) == cell_cost(parse_genotype("e3:concat:c3|id,c1|zero,zero,dw3"), p));
  CHECK(block_cost(ZeroBlock{}, {16, 16, 1, 8, 8}) == Cost{});
}

TEST_CASE("expected MAdds: value and gradient against finite differences", "[cost][budget]") {
  Rng rng({42, RngPurpose::test});
  for (int trial = 0; trial < 20; ++trial) {
    const std::size_t n = 2 + rng.below(8);
    std::vector<double> logits(n), madds(n);
    for (std::size_t i = 0; i < n; ++i) {
      logits[i] = 4 * rng.uniform_double() - 2;
      madds[i] = trial % 4 == 0 && i == 0 ? 0 : 1e6 * (1 + 20 * rng.uniform_double());  // sometimes a zero block
    }
    const ExpectedCost e = expected_cost(logits, madds);
    double total = 0, weighted = 0;
    for (std::size_t i = 0; i < n; ++i) {
      total += std::exp(logits[i]);
      weighted += std::exp(logits[i]) * madds[i];
    }
    CHECK(e.value == Approx(weighted / total).epsilon(1e-12));
    double gradient_sum = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double h = 1e-5;
      std::vector<double> plus = logits, minus = logits;
      plus[i] += h;
      minus[i] -= h;
      const double numeric = (expected_cost(plus, madds).value - expected_cost(minus, madds).value) / (2 * h);
      CHECK(e.d_logits[i] == Approx(numeric).epsilon(1e-6).margin(1e-3));
      gradient_sum += e.d_logits[i];
    }
    // Adding a constant to every logit changes nothing.
    CHECK(gradient_sum == Approx(0).margin(1e-6));
  }
  // Huge logits stay finite.
  const ExpectedCost big = expected_cost(std::vector<double>{1000, 0}, std::vector<double>{5, 7});
  CHECK(big.value == Approx(5));
}

TEST_CASE("expected MAdds of a whole network", "[cost][budget]") {
  const std::vector<std::vector<double>> logits = {{0, 0}, {1, 2, 3}};
  const std::vector<std::vector<double>> madds = {{10, 30}, {5, 5, 5}};
  const ExpectedNetworkCost e = expected_network_cost(100, logits, madds);
  CHECK(e.value == Approx(100 + 20 + 5));
  REQUIRE(e.d_logits.size() == 2);
  CHECK(e.d_logits[0][0] == Approx(-5));
  CHECK(e.d_logits[0][1] == Approx(5));
  CHECK(e.d_logits[1][2] == Approx(0).margin(1e-12));
}

TEST_CASE("per-layer MAdds caps", "[cost][budget]") {
  const Backbone backbone;
  const auto positions = searchable_positions(backbone);
  CHECK(madds_caps({}, backbone) == std::vector<std::int64_t>(21, std::numeric_limits<std::int64_t>::max()));
  CHECK(madds_caps({CapRule::Kind::absolute, 5'000'000}, backbone) == std::vector<std::int64_t>(21, 5'000'000));
  CapRule twice{CapRule::Kind::reference, 0, 2.0};
  const auto caps = madds_caps(twice, backbone);
  for (std::size_t i = 0; i < positions.size(); ++i) CHECK(caps[i] == 2 * cell_cost(reference_genotype(), positions[i]).madds);
}

TEST_CASE("the fixed part of a backbone", "[cost][budget]") {
  // MobileNetV2's stem, first block and head are the default backbone's.
  const Cost fixed = backbone_fixed_cost(Backbone{});
  const Cost expected{10'838'016 + 10'035'200 + 20'070'400 + 1'280'000, 928 + 896 + 412'160 + 1'281'000};
  CHECK(fixed == expected);
}
