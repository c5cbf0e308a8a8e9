#include "nas/search/budget_export.h"

#include <algorithm>
#include <cmath>
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

// States keyed by their partial cost's bin (`bin` cost units; 1: the exact cost), each
// the most probable reaching it. Adding past `max_states` doubles the bin and merges, so
// memory stays bounded whatever the candidate lists.
class StateSet {
 public:
  StateSet(std::int64_t& bin, std::size_t max_states) : bin_(bin), max_states_(max_states) {}

  void add(const State& s) {
    const auto [it, added] = index_.emplace(floor_div(s.cost, bin_), states_.size());
    if (!added) {
      if (s.log_probability > states_[it->second].log_probability) states_[it->second] = s;
      return;
    }
    states_.push_back(s);
    while (states_.size() > max_states_) coarsen();
  }
  std::vector<State> take() { return std::move(states_); }

 private:
  void coarsen() {
    bin_ *= 2;
    std::vector<State> old = std::move(states_);
    states_.clear();
    index_.clear();
    for (const State& s : old) {
      const auto [it, added] = index_.emplace(floor_div(s.cost, bin_), states_.size());
      if (added) states_.push_back(s);
      else if (s.log_probability > states_[it->second].log_probability) states_[it->second] = s;
    }
  }

  std::int64_t& bin_;
  std::size_t max_states_;
  std::vector<State> states_;
  std::unordered_map<std::int64_t, std::size_t> index_;
};

// A layer's candidates with equal cost reduced to the most probable one: the states only
// see costs, so the rest can never win.
std::vector<std::pair<std::int64_t, std::int32_t>> distinct_costs(const std::vector<std::int64_t>& costs,
                                                                  const std::vector<double>& p) {
  std::unordered_map<std::int64_t, std::size_t> index;
  std::vector<std::pair<std::int64_t, std::int32_t>> out;
  for (std::size_t k = 0; k < costs.size(); ++k) {
    const auto [it, added] = index.emplace(costs[k], out.size());
    if (added) out.emplace_back(costs[k], static_cast<std::int32_t>(k));
    else if (p[k] > p[static_cast<std::size_t>(out[it->second].second)]) out[it->second].second = static_cast<std::int32_t>(k);
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
    StateSet next(bin, max_states);
    const std::vector<State>& current = levels.back();
    const auto candidates = distinct_costs(costs[l], probabilities[l]);
    for (std::size_t i = 0; i < current.size(); ++i) {
      for (const auto& [cost_k, k] : candidates) {
        const std::int64_t cost = current[i].cost + cost_k;
        if (cost + rest_min[l + 1] > upper || cost + rest_max[l + 1] < lower) continue;
        next.add({cost, current[i].log_probability + std::log(probabilities[l][static_cast<std::size_t>(k)]),
                  static_cast<std::int32_t>(i), k});
      }
    }
    std::vector<State> states = next.take();
    if (states.empty()) return std::nullopt;  // the band lies between reachable costs
    levels.push_back(std::move(states));
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

std::optional<BudgetExport> most_probable_within(const std::vector<std::vector<double>>& probabilities,
                                                 const SpaceTable& table, const Budget& budget) {
  return most_probable_within(probabilities, table.cost_table(budget.kind), cost_value(table.fixed_cost(), budget.kind),
                              static_cast<std::int64_t>(std::ceil(budget.lower())),
                              static_cast<std::int64_t>(std::floor(budget.upper())));
}

}  // namespace autospace::nas
