#include "nas/search/choice_sampling.h"

#include <algorithm>
#include <numeric>

#include "kernels/common/check.h"

namespace autospace::nas {

namespace {

int uniform_index(Rng& rng, int n) { return static_cast<int>(rng.below(static_cast<std::uint64_t>(n))); }

}  // namespace

ArchChoice sample_choice(const SpaceTable& table, Rng& rng, std::int64_t max_madds, int uniform_tries) {
  const std::int64_t floor = table.min_madds();
  if (floor > max_madds)
    AUTOSPACE_THROW("the MAdds budget ", max_madds, " is below the cheapest network of the space (", floor, " MAdds)");
  ArchChoice choice(table.layers());
  for (int t = 0; t < uniform_tries; ++t) {
    for (std::size_t l = 0; l < table.layers(); ++l) choice[l] = uniform_index(rng, table.size(l));
    if (table.cost(choice).madds <= max_madds) return choice;
  }
  std::vector<std::size_t> order(table.layers());
  std::iota(order.begin(), order.end(), std::size_t{0});
  for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[uniform_index(rng, static_cast<int>(i))]);
  std::int64_t reserved = floor;  // fixed part + cheapest choice of every open layer
  for (std::size_t l : order) {
    reserved -= table.cheapest_madds(l);
    std::vector<int> fitting;
    for (int k = 0; k < table.size(l); ++k)
      if (reserved + table.costs(l)[k].madds <= max_madds) fitting.push_back(k);
    AUTOSPACE_CHECK(!fitting.empty(), "sample_choice: the cheapest candidate of layer ", l, " no longer fits");
    choice[l] = fitting[uniform_index(rng, static_cast<int>(fitting.size()))];
    reserved += table.costs(l)[choice[l]].madds;
  }
  return choice;
}

std::optional<ArchChoice> mutate_choice(const SpaceTable& table, const ArchChoice& parent, double probability,
                                        std::int64_t max_madds, Rng& rng, int tries) {
  for (int t = 0; t < tries; ++t) {
    ArchChoice child = parent;
    for (std::size_t l = 0; l < table.layers(); ++l)
      if (rng.uniform_double() < probability) child[l] = uniform_index(rng, table.size(l));
    if (child != parent && table.cost(child).madds <= max_madds) return child;
  }
  return std::nullopt;
}

std::optional<ArchChoice> crossover_choice(const SpaceTable& table, const ArchChoice& a, const ArchChoice& b,
                                           std::int64_t max_madds, Rng& rng, int tries) {
  for (int t = 0; t < tries; ++t) {
    ArchChoice child(a.size());
    for (std::size_t l = 0; l < a.size(); ++l) child[l] = rng.uniform_double() < 0.5 ? a[l] : b[l];
    if (child != a && child != b && table.cost(child).madds <= max_madds) return child;
  }
  return std::nullopt;
}

}  // namespace autospace::nas
