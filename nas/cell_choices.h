#pragma once
// What the open space is made of: the edge ops, expansion ratios and mixes a cell may use
// (DESIGN 4.1 defaults: zero, id, c1, c3, dw3; e in {1, 3, 6}; sum or concat).
#include <cstdint>
#include <vector>

#include "nas/genotype.h"

namespace autospace::nas {

struct CellChoices {
  std::vector<Op> ops = {op_zero(), op_identity(), op_conv(1), op_conv(3), op_dwconv(3)};
  std::vector<int> expansions = {1, 3, 6};
  std::vector<Mix> mixes = {Mix::sum, Mix::concat};

  // Raw genotypes: ops^6 * expansions * mixes (93,750 with the defaults).
  std::uint64_t genotype_count() const;
  // Whether the cell (in canonical form) can be built from these choices: its edge ops,
  // expansion and, where it matters, its mix are all offered.
  bool contains(const Genotype& g) const;
  // Throws autospace::Error for an empty list, a duplicate, or an op/expansion out of range.
  void validate() const;
  bool operator==(const CellChoices&) const = default;
};

}  // namespace autospace::nas
