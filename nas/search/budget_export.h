#pragma once
// The budget-aware export of the gated searchers: instead of the plain argmax of every
// layer's probabilities (which lands wherever it lands), the most probable architecture
// whose whole-network cost lies inside the budget's band,
//   max_k  sum_l log p_l[k_l]   subject to  lower <= fixed + sum_l c_l[k_l] <= upper.
// Dynamic programming over the layers on the reachable partial costs: states with the
// same partial cost keep only the most probable, states that can no longer reach the band
// are dropped. That is exact as long as the states fit `max_states`; past it partial costs
// are merged into bins (doubling the bin width until they fit), which can miss the optimum
// by less than one bin per layer; the result says which. The cost of the result is exact
// and always inside the band.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "nas/search/budget.h"
#include "nas/search/space_table.h"

namespace autospace::nas {

struct BudgetExport {
  ArchChoice choice;
  double log_probability = 0;
  std::int64_t cost = 0;  // the whole network's
  bool exact = true;      // no bins were needed
};

// `probabilities[l][k]` and `costs[l][k]` per searchable layer and candidate; `fixed` the
// cost every network has. Empty when no architecture lies in [lower, upper].
std::optional<BudgetExport> most_probable_within(const std::vector<std::vector<double>>& probabilities,
                                                 const std::vector<std::vector<std::int64_t>>& costs,
                                                 std::int64_t fixed, std::int64_t lower, std::int64_t upper,
                                                 std::size_t max_states = std::size_t{1} << 17);
// The same over a space's table, inside `budget`'s band (its edges rounded inwards to
// whole cost units).
std::optional<BudgetExport> most_probable_within(const std::vector<std::vector<double>>& probabilities,
                                                 const SpaceTable& table, const Budget& budget);

}  // namespace autospace::nas
