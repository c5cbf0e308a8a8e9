#include "nas/search/choice_sampling.h"

#include <numeric>
#include <vector>

#include "kernels/common/check.h"

namespace autospace::nas {

namespace {

int uniform_index(Rng& rng, int n) { return static_cast<int>(rng.below(static_cast<std::uint64_t>(n))); }

constexpr int kOrderedTries = 20;

// Layers in a random order, each drawn among the candidates that keep the band reachable;
// empty when a layer finds none (the band falls between the reachable costs).
std::optional<ArchChoice> ordered_draw(const SpaceTable& table, Rng& rng, const Budget& budget) {
  const CostKind kind = budget.kind;
  std::vector<std::size_t> order(table.layers());
  std::iota(order.begin(), order.end(), std::size_t{0});
  for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[uniform_index(rng, static_cast<int>(i))]);
  // The fixed part and the chosen layers, plus the open layers' cheapest / costliest.
  double least = static_cast<double>(table.min_cost(kind)), most = static_cast<double>(table.max_cost(kind));
  ArchChoice choice(table.layers());
  for (std::size_t l : order) {
    least -= static_cast<double>(table.cheapest(l, kind));
    most -= static_cast<double>(table.costliest(l, kind));
    std::vector<int> fitting;
    for (int k = 0; k < table.size(l); ++k) {
      const double c = static_cast<double>(cost_value(table.costs(l)[k], kind));
      if (least + c <= budget.upper() && most + c >= budget.lower()) fitting.push_back(k);
    }
    if (fitting.empty()) return std::nullopt;
    choice[l] = fitting[uniform_index(rng, static_cast<int>(fitting.size()))];
    const double chosen = static_cast<double>(cost_value(table.costs(l)[choice[l]], kind));
    least += chosen;
    most += chosen;
  }
  return choice;
}

}  // namespace

ArchChoice sample_choice(const SpaceTable& table, Rng& rng, const Budget& budget, int uniform_tries) {
  const CostKind kind = budget.kind;
  const auto least = static_cast<double>(table.min_cost(kind)), most = static_cast<double>(table.max_cost(kind));
  if (least > budget.upper() || most < budget.lower())
    AUTOSPACE_THROW("the budget band ", budget.band(), " lies outside the space's networks [", budget.describe(least),
                    ", ", budget.describe(most), "]");
  ArchChoice choice(table.layers());
  for (int t = 0; t < uniform_tries; ++t) {
    for (std::size_t l = 0; l < table.layers(); ++l) choice[l] = uniform_index(rng, table.size(l));
    if (budget.contains(table.cost(choice))) return choice;
  }
  for (int t = 0; t < kOrderedTries; ++t)
    if (auto drawn = ordered_draw(table, rng, budget)) return *drawn;
  AUTOSPACE_THROW("no network of the space found in the budget band ", budget.band(), " after ",
                  uniform_tries + kOrderedTries,
                  " draws: the band is narrower than the steps between the networks' costs; widen it");
}

std::optional<ArchChoice> mutate_choice(const SpaceTable& table, const ArchChoice& parent, double probability,
                                        const Budget& budget, Rng& rng, int tries) {
  for (int t = 0; t < tries; ++t) {
    ArchChoice child = parent;
    for (std::size_t l = 0; l < table.layers(); ++l)
      if (rng.uniform_double() < probability) child[l] = uniform_index(rng, table.size(l));
    if (child != parent && budget.contains(table.cost(child))) return child;
  }
  return std::nullopt;
}

std::optional<ArchChoice> crossover_choice(const SpaceTable& table, const ArchChoice& a, const ArchChoice& b,
                                           const Budget& budget, Rng& rng, int tries) {
  for (int t = 0; t < tries; ++t) {
    ArchChoice child(a.size());
    for (std::size_t l = 0; l < a.size(); ++l) child[l] = rng.uniform_double() < 0.5 ? a[l] : b[l];
    if (child != a && child != b && budget.contains(table.cost(child))) return child;
  }
  return std::nullopt;
}

}  // namespace autospace::nas
