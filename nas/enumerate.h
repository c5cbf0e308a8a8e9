#pragma once
// Exhaustive walks over the open space of one layer.
#include <cstdint>
#include <functional>
#include <vector>

#include "nas/cell_choices.h"

namespace autospace::nas {

// Calls `visit` on every raw genotype of `choices` (ops^6 * expansions * mixes), in a
// fixed order: the edge ops vary slowest (n0->n1 slowest of all), then the expansion,
// then the mix.
void for_each_genotype(const CellChoices& choices, const std::function<void(const Genotype&)>& visit);

struct OpenSpaceCounts {
  std::uint64_t total = 0;     // raw genotypes
  std::uint64_t valid = 0;     // raw genotypes whose n3 is reachable
  std::uint64_t distinct = 0;  // distinct canonical forms of the valid ones
};
OpenSpaceCounts count_open_space(const CellChoices& choices);

// The distinct valid cells in canonical form, in the order of their first appearance in
// for_each_genotype (so the list is the same on every run).
std::vector<Genotype> distinct_cells(const CellChoices& choices);

}  // namespace autospace::nas
