#include "nas/enumerate.h"

#include <unordered_set>

namespace autospace::nas {

void for_each_genotype(const CellChoices& choices, const std::function<void(const Genotype&)>& visit) {
  choices.validate();
  const std::size_t n = choices.ops.size();
  std::array<std::size_t, kEdgeCount> digit{};
  Genotype g;
  while (true) {
    for (int e = 0; e < kEdgeCount; ++e) g.edges[e] = choices.ops[digit[e]];
    for (int expansion : choices.expansions) {
      g.expansion = expansion;
      for (Mix mix : choices.mixes) {
        g.mix = mix;
        visit(g);
      }
    }
    // Odometer over the edges, the last edge turning fastest.
    int e = kEdgeCount - 1;
    while (e >= 0 && ++digit[e] == n) digit[e--] = 0;
    if (e < 0) return;
  }
}

OpenSpaceCounts count_open_space(const CellChoices& choices) {
  OpenSpaceCounts counts;
  std::unordered_set<std::uint64_t> seen;
  for_each_genotype(choices, [&](const Genotype& g) {
    ++counts.total;
    if (!is_valid(g)) return;
    ++counts.valid;
    seen.insert(cell_hash(g));
  });
  counts.distinct = seen.size();
  return counts;
}

std::vector<Genotype> distinct_cells(const CellChoices& choices) {
  std::vector<Genotype> cells;
  std::unordered_set<std::uint64_t> seen;
  for_each_genotype(choices, [&](const Genotype& g) {
    if (is_valid(g) && seen.insert(cell_hash(g)).second) cells.push_back(canonical(g));
  });
  return cells;
}

}  // namespace autospace::nas
