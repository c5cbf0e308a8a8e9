#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <unordered_set>
#include <vector>

#include "nas/enumerate.h"

using namespace autospace::nas;

namespace {

// An independent count, from paths instead of reachability. The n0 -> n3 paths of the
// complete four-node DAG are n0n3, n0n1n3, n0n2n3 and n0n1n2n3 (as sets of edge indices of
// kEdges). A raw genotype is valid exactly when its non-zero edges contain a whole path, and
// the live edges of a valid cell are exactly the union of the paths it contains, so the
// distinct canonical cells are: for each distinct non-empty union U of paths, any non-zero
// op on each edge of U, any expansion, and any mix when some node has two inputs in U.
const std::vector<unsigned> kPathMasks = {1u << 3, (1u << 0) | (1u << 4), (1u << 1) | (1u << 5), (1u << 0) | (1u << 2) | (1u << 5)};

std::uint64_t power(std::uint64_t base, int exponent) {
  std::uint64_t p = 1;
  while (exponent-- > 0) p *= base;
  return p;
}

bool two_inputs_somewhere(unsigned edges) {
  int in_degree[4] = {0, 0, 0, 0};
  for (int e = 0; e < kEdgeCount; ++e)
    if (edges & (1u << e)) ++in_degree[kEdges[e].to];
  return *std::max_element(in_degree, in_degree + 4) >= 2;
}

OpenSpaceCounts count_by_paths(const CellChoices& choices) {
  const bool has_zero = std::find(choices.ops.begin(), choices.ops.end(), op_zero()) != choices.ops.end();
  const std::uint64_t nonzero = choices.ops.size() - (has_zero ? 1 : 0);
  const std::uint64_t zero = has_zero ? 1 : 0;
  const unsigned all = (1u << kEdgeCount) - 1;
  OpenSpaceCounts counts;
  counts.total = choices.genotype_count();
  // Valid: every set S of non-zero edges that contains a path.
  for (unsigned s = 0; s <= all; ++s) {
    const bool has_path = std::any_of(kPathMasks.begin(), kPathMasks.end(), [&](unsigned p) { return (s & p) == p; });
    if (!has_path) continue;
    const int n = std::popcount(s);
    counts.valid += power(nonzero, n) * power(zero, kEdgeCount - n) * choices.expansions.size() * choices.mixes.size();
  }
  // Distinct: every distinct union of a non-empty set of paths. Without a zero op no edge
  // can be dead, so only the union of all paths (every edge) is possible.
  std::set<unsigned> unions;
  for (unsigned subset = 1; subset < (1u << kPathMasks.size()); ++subset) {
    unsigned u = 0;
    for (std::size_t p = 0; p < kPathMasks.size(); ++p)
      if (subset & (1u << p)) u |= kPathMasks[p];
    unions.insert(u);
  }
  for (unsigned u : unions) {
    if (!has_zero && u != all) continue;
    const std::uint64_t mixes = two_inputs_somewhere(u) ? choices.mixes.size() : 1;
    counts.distinct += power(nonzero, std::popcount(u)) * choices.expansions.size() * mixes;
  }
  return counts;
}

}  // namespace

TEST_CASE("the open space: 93,750 genotypes, 91,704 valid, 56,364 distinct cells", "[enumerate]") {
  const CellChoices defaults;
  const OpenSpaceCounts brute = count_open_space(defaults);
  const OpenSpaceCounts paths = count_by_paths(defaults);
  CHECK(brute.total == 93'750);
  CHECK(brute.valid == 91'704);
  CHECK(brute.distinct == 56'364);
  CHECK(paths.total == brute.total);
  CHECK(paths.valid == brute.valid);
  CHECK(paths.distinct == brute.distinct);
}

TEST_CASE("both counts agree for other cell choices", "[enumerate]") {
  const std::vector<CellChoices> variants = {
      {{op_zero(), op_identity(), op_conv(3)}, {6}, {Mix::sum}},
      {{op_identity(), op_dwconv(3)}, {1, 6}, {Mix::sum, Mix::concat}},  // no zero: every edge live
      {{op_zero(), op_dwconv(5)}, {3}, {Mix::concat}},
      {{op_zero(), op_identity(), op_conv(1), op_conv(3), op_dwconv(3), op_dwconv(5), op_dwconv(7)}, {1, 3, 6}, {Mix::sum, Mix::concat}},
  };
  for (const CellChoices& choices : variants) {
    const OpenSpaceCounts brute = count_open_space(choices);
    const OpenSpaceCounts paths = count_by_paths(choices);
    CHECK(brute.total == paths.total);
    CHECK(brute.valid == paths.valid);
    CHECK(brute.distinct == paths.distinct);
  }
}

TEST_CASE("distinct cells are valid, canonical, unique and in the choices", "[enumerate]") {
  const CellChoices defaults;
  const auto cells = distinct_cells(defaults);
  CHECK(cells.size() == 56'364);
  std::unordered_set<std::uint64_t> hashes;
  for (const Genotype& g : cells) {
    CHECK(is_valid(g));
    CHECK(canonical(g) == g);
    CHECK(defaults.contains(g));
    hashes.insert(cell_hash(g));
  }
  CHECK(hashes.size() == cells.size());
  CHECK(distinct_cells(defaults) == cells);
  CHECK(std::find(cells.begin(), cells.end(), reference_genotype()) != cells.end());
}
