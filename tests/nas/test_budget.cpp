// The budget of every searcher: the band, the budget-aware export against brute force,
// and the budget controller on a synthetic problem.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "engine/rng/rng.h"
#include "nas/madds_budget.h"
#include "nas/search/budget.h"
#include "nas/search/budget_export.h"
#include "nas/search/gated_search.h"
#include "tests/nas/tiny_dea.h"

using namespace autospace;
using namespace autospace::nas;

namespace {

struct Problem {
  std::vector<std::vector<double>> p;
  std::vector<std::vector<std::int64_t>> costs;
  std::int64_t fixed = 0, lower = 0, upper = 0;
};

Problem random_problem(std::uint32_t k) {
  Rng rng({11, RngPurpose::test, 0, k});
  Problem q;
  const int layers = 1 + static_cast<int>(rng.below(4));
  std::int64_t least = 0, most = 0;
  for (int l = 0; l < layers; ++l) {
    const int n = 1 + static_cast<int>(rng.below(5));
    std::vector<double> p;
    std::vector<std::int64_t> c;
    double sum = 0;
    for (int i = 0; i < n; ++i) {
      p.push_back(0.05 + rng.uniform_double());
      sum += p.back();
      c.push_back(1 + static_cast<std::int64_t>(rng.below(60)));
    }
    for (double& v : p) v /= sum;
    least += *std::min_element(c.begin(), c.end());
    most += *std::max_element(c.begin(), c.end());
    q.p.push_back(p);
    q.costs.push_back(c);
  }
  q.fixed = static_cast<std::int64_t>(rng.below(20));
  // Bands anywhere from below the cheapest to above the costliest network.
  q.lower = q.fixed + least - 5 + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(most - least + 10)));
  q.upper = q.lower + static_cast<std::int64_t>(rng.below(25));
  return q;
}

// Every architecture, the most probable one inside the band.
std::optional<std::pair<double, std::int64_t>> brute_force(const Problem& q) {
  std::optional<std::pair<double, std::int64_t>> best;
  ArchChoice c(q.costs.size(), 0);
  while (true) {
    double lp = 0;
    std::int64_t cost = q.fixed;
    for (std::size_t l = 0; l < c.size(); ++l) lp += std::log(q.p[l][c[l]]), cost += q.costs[l][c[l]];
    if (cost >= q.lower && cost <= q.upper && (!best || lp > best->first)) best = std::pair{lp, cost};
    std::size_t l = 0;
    while (l < c.size() && ++c[l] == static_cast<int>(q.costs[l].size())) c[l++] = 0;
    if (l == c.size()) return best;
  }
}

}  // namespace

TEST_CASE("budget: the band's edges, cost kinds and messages", "[search][budget]") {
  const Budget b{CostKind::madds, 2e6};
  CHECK(b.lower() == Approx(1.8e6));
  CHECK(b.upper() == 2e6);
  CHECK(b.contains(1.9e6));
  CHECK_FALSE(b.contains(1.7e6));
  CHECK_FALSE(b.contains(2.1e6));
  CHECK(b.contains(Cost{1900000, 5}));
  const Budget p{CostKind::params, 1e5, 0.5, 1.0};
  CHECK(p.contains(Cost{999999999, 60000}));
  CHECK(b.describe(2e6) == "2.000M MAdds");
  CHECK(p.describe(123456) == "0.123M params");
}

TEST_CASE("budget export: the most probable architecture in the band, as brute force finds it", "[search][budget]") {
  int feasible = 0;
  for (std::uint32_t k = 0; k < 300; ++k) {
    INFO("problem " << k);
    const Problem q = random_problem(k);
    const auto want = brute_force(q);
    const auto got = most_probable_within(q.p, q.costs, q.fixed, q.lower, q.upper);
    REQUIRE(got.has_value() == want.has_value());
    if (!got) continue;
    ++feasible;
    CHECK(got->exact);
    CHECK(got->log_probability == Approx(want->first).margin(1e-12));
    std::int64_t cost = q.fixed;
    double lp = 0;
    for (std::size_t l = 0; l < got->choice.size(); ++l)
      cost += q.costs[l][got->choice[l]], lp += std::log(q.p[l][got->choice[l]]);
    CHECK(cost == got->cost);
    CHECK(lp == Approx(got->log_probability).margin(1e-12));
    CHECK((cost >= q.lower && cost <= q.upper));
    // With too few states allowed, partial costs merge into bins: still inside the band,
    // no more probable than the optimum, and said to be inexact.
    const auto binned = most_probable_within(q.p, q.costs, q.fixed, q.lower, q.upper, 2);
    if (binned) {
      CHECK((binned->cost >= q.lower && binned->cost <= q.upper));
      CHECK(binned->log_probability <= want->first + 1e-12);
    }
  }
  CHECK(feasible > 100);  // the problems exercise both outcomes
  CHECK(feasible < 300);
}

TEST_CASE("budget export: long candidate lists stay within the state limit", "[search][budget]") {
  // Thousands of candidates per layer (an open space's size), few distinct costs: memory is
  // bounded by max_states (found by fuzz_run_description, which ran out of memory here).
  Rng rng({12, RngPurpose::test, 0, 0});
  std::vector<std::vector<double>> p(3);
  std::vector<std::vector<std::int64_t>> costs(3);
  for (std::size_t l = 0; l < 3; ++l)
    for (int k = 0; k < 5000; ++k) {
      p[l].push_back(1.0 / 5000);
      costs[l].push_back(1000 + static_cast<std::int64_t>(rng.below(100000)));
    }
  for (std::size_t max_states : {std::size_t{64}, std::size_t{1} << 17}) {
    const auto got = most_probable_within(p, costs, 0, 120000, 125000, max_states);
    REQUIRE(got);
    CHECK((got->cost >= 120000 && got->cost <= 125000));
    CHECK(got->exact == (max_states > 64));
  }
}

TEST_CASE("budget controller: E[cost] of synthetic problems settles inside the band", "[search][budget]") {
  // One layer; the cross-entropy falls with the candidate's cost, so without a budget the
  // costliest candidates win. Targets put the band between candidates, so only a mixture
  // lands in it; the gradient steps are those of the architecture step (d_ce through the
  // probabilities, d_expected_cost through E).
  const std::vector<double> costs = {1e5, 2e5, 4e5, 8e5, 1.6e6};
  for (double slope : {0.05, 0.3}) {
    std::vector<double> ce;
    for (double c : costs) ce.push_back(2.0 - slope * std::log2(c / 1e5));
    for (double target : {1.5e5, 3e5, 1.2e6}) {
      for (MaddsLoss loss : {MaddsLoss::mul_log, MaddsLoss::add_linear}) {
        for (bool adaptive : {true, false}) {
          INFO("slope " << slope << ", target " << target << (loss == MaddsLoss::mul_log ? ", mul#log" : ", add#linear")
                        << (adaptive ? ", controlled" : ", regulariser alone"));
          GatedSearchSettings s;
          s.madds_loss = loss;
          s.budget = {CostKind::madds, target};
          BudgetController controller(s.budget, s.budget_kp, s.budget_ki);
          std::vector<double> logits(costs.size(), 0.0);
          int inside = 0;
          double expected = 0;
          const int steps = 3000;
          for (int step = 0; step < steps; ++step) {
            const ExpectedCost e = expected_cost(logits, costs);
            expected = e.value;
            if (step >= 3 * steps / 4) inside += s.budget.contains(expected);
            const double m = *std::max_element(logits.begin(), logits.end());
            std::vector<double> p;
            double z = 0, mean_ce = 0;
            for (double a : logits) p.push_back(std::exp(a - m)), z += p.back();
            for (std::size_t k = 0; k < p.size(); ++k) p[k] /= z, mean_ce += p[k] * ce[k];
            const RegularizedLoss r =
                cost_regularized_loss(mean_ce, e.value, s, adaptive ? controller.multiplier() : 0.0);
            for (std::size_t k = 0; k < logits.size(); ++k)
              logits[k] -= 0.5 * (r.d_ce * p[k] * (ce[k] - mean_ce) + r.d_expected_cost * e.d_logits[k]);
            controller.observe(e.value);
          }
          INFO("final E / target " << expected / target << ", multiplier " << controller.multiplier());
          if (adaptive) CHECK(inside == steps / 4);  // the whole last quarter inside the band
          else CHECK_FALSE(s.budget.contains(expected));
        }
      }
    }
  }
}

TEST_CASE("gated search: the exported architecture lies in the band, the argmax need not", "[search][budget]") {
  const IrbSpace space(test::tiny_dea_backbone(), IrbChoices{}, true);
  const SpaceTable t(space);
  GatedSearchSettings s;
  const auto least = static_cast<double>(t.min_cost(CostKind::madds));
  const auto most = static_cast<double>(t.max_cost(CostKind::madds));
  s.budget = {CostKind::madds, least + 0.5 * (most - least), 0.95, 1.0};
  const GatedSearch search(t, s, 1);
  // Untrained: every probability equal, so the argmax is each layer's first candidate.
  const auto exported = search.budget_export();
  REQUIRE(exported);
  CHECK(s.budget.contains(t.cost(exported->choice)));
  CHECK(exported->exact);
  CHECK(exported->cost == t.cost(exported->choice).madds);
  CHECK(search.multiplier() == 0);  // no architecture step yet
}
