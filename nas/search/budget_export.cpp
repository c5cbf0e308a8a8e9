#include "nas/search/budget_export.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "kernels/common/check.h"

namespace autospace::nas {

namespace {

struct State {
  std::int64_t cost;
  double log_probability;
  std::int32_t parent;     // index into the previous layer's states
  std::int32_t candidate;  // this layer's choice
};

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

// Keeps the most probable state per bin of `bin` cost units (1: per exact cost).
std::vector<State> merged(const std::vector<State>& states, std::int64_t bin) {
  std::vector<State> out;
  std::unordered_map<std::int64_t, std::size_t> index;
  index.reserve(states.size());
  for (const State& s : states) {
    const auto [it, added] = index.emplace(floor_div(s.cost, bin), out.size());
    if (added) out.push_back(s);
    else if (s.log_probability > out[it->second].log_probability) out[it->second] = s;
  }
  return out;
}

}  // namespace

std::optional<BudgetExport> most_probable_within(const std::vector<std::vector<double>>& probabilities,
                                                 const std::vector<std::vector<std::int64_t>>& costs,
                                                 std::int64_t fixed, std::int64_t lower, std::int64_t upper,
                                                 std::size_t max_states) {
  const std::size_t layers = costs.size();
  AUTOSPACE_CHECK(probabilities.size() == layers, "budget export: ", probabilities.size(), " probability rows for ",
                  layers, " layers");
  AUTOSPACE_CHECK(max_states > 0, "budget export: max_states must be positive");
  // What the layers from l on can still add at least and at most.
  std::vector<std::int64_t> rest_min(layers + 1, 0), rest_max(layers + 1, 0);
  for (std::size_t l = layers; l-- > 0;) {
    AUTOSPACE_CHECK(!costs[l].empty() && probabilities[l].size() == costs[l].size(), "budget export: layer ", l,
                    " has ", costs[l].size(), " costs and ", probabilities[l].size(), " probabilities");
    rest_min[l] = rest_min[l + 1] + *std::min_element(costs[l].begin(), costs[l].end());
    rest_max[l] = rest_max[l + 1] + *std::max_element(costs[l].begin(), costs[l].end());
  }
  if (fixed + rest_min[0] > upper || fixed + rest_max[0] < lower) return std::nullopt;

  std::vector<std::vector<State>> levels{{State{fixed, 0.0, -1, -1}}};
  std::int64_t bin = 1;
  for (std::size_t l = 0; l < layers; ++l) {
    std::vector<State> next;
    const std::vector<State>& current = levels.back();
    for (std::size_t i = 0; i < current.size(); ++i) {
      for (std::size_t k = 0; k < costs[l].size(); ++k) {
        const std::int64_t cost = current[i].cost + costs[l][k];
        if (cost + rest_min[l + 1] > upper || cost + rest_max[l + 1] < lower) continue;
        next.push_back({cost, current[i].log_probability + std::log(probabilities[l][k]), static_cast<std::int32_t>(i),
                        static_cast<std::int32_t>(k)});
      }
    }
    next = merged(next, bin);
    while (next.size() > max_states) {
      bin *= 2;
      next = merged(next, bin);
    }
    if (next.empty()) return std::nullopt;  // the band lies between reachable costs
    levels.push_back(std::move(next));
  }

  const std::vector<State>& last = levels.back();
  std::size_t best = 0;
  for (std::size_t i = 1; i < last.size(); ++i)
    if (last[i].log_probability > last[best].log_probability) best = i;
  BudgetExport out;
  out.cost = last[best].cost;
  out.log_probability = last[best].log_probability;
  out.exact = bin == 1;
  out.choice.assign(layers, 0);
  for (std::size_t l = layers, i = best; l > 0; --l) {
    out.choice[l - 1] = levels[l][i].candidate;
    i = static_cast<std::size_t>(levels[l][i].parent);
  }
  return out;
}

}  // namespace autospace::nas
