#include "nas/cell_sampling.h"

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

#include "kernels/common/check.h"
#include "nas/cost_model.h"
#include "nas/number_format.h"

namespace autospace::nas {

namespace {

// A genotype has eight positions: the six edges, then the expansion, then the mix.
constexpr int kPositions = kEdgeCount + 2;
constexpr int kExpansionPosition = kEdgeCount;

// The number of values `choices` offers at `position`.
std::size_t value_count(const CellChoices& choices, int position) {
  if (position < kEdgeCount) return choices.ops.size();
  return position == kExpansionPosition ? choices.expansions.size() : choices.mixes.size();
}

// Sets `position` of `g` to the `index`-th value the choices offer there; false when that
// value is already there.
bool set_value(Genotype& g, const CellChoices& choices, int position, std::size_t index) {
  if (position < kEdgeCount) return std::exchange(g.edges[position], choices.ops[index]) != choices.ops[index];
  if (position == kExpansionPosition) return std::exchange(g.expansion, choices.expansions[index]) != choices.expansions[index];
  return std::exchange(g.mix, choices.mixes[index]) != choices.mixes[index];
}

Genotype uniform_genotype(const CellChoices& choices, Rng& rng) {
  Genotype g;
  for (int p = 0; p < kPositions; ++p) set_value(g, choices, p, rng.below(value_count(choices, p)));
  return g;
}

// The reference with k distinct positions redrawn to a different value, k uniform in 0..delta.
Genotype near_reference(const Genotype& reference, int delta, const CellChoices& choices, Rng& rng) {
  std::array<int, kPositions> order;
  for (int p = 0; p < kPositions; ++p) order[p] = p;
  const int k = static_cast<int>(rng.below(static_cast<std::uint64_t>(std::min(delta, kPositions)) + 1));
  Genotype g = reference;
  for (int i = 0; i < k; ++i) {
    std::swap(order[i], order[i + rng.below(kPositions - i)]);
    const int position = order[i];
    std::vector<std::size_t> others;
    for (std::size_t v = 0; v < value_count(choices, position); ++v) {
      Genotype trial = g;
      if (set_value(trial, choices, position, v)) others.push_back(v);
    }
    if (!others.empty()) set_value(g, choices, position, others[rng.below(others.size())]);
  }
  return g;
}

bool acceptable(const Genotype& canonical_cell, const CellChoices& choices, const CellConstraint& constraint) {
  return is_valid(canonical_cell) && choices.contains(canonical_cell) && satisfies(canonical_cell, constraint);
}

}  // namespace

bool satisfies(const Genotype& g, const CellConstraint& c) {
  if (c.reference && hamming_distance(g, *c.reference) > c.delta) return false;
  if (c.madds_cap && cell_cost(g, c.madds_cap->position, c.madds_cap->se_ratio).madds > c.madds_cap->cap) return false;
  return true;
}

std::string describe(const CellConstraint& c) {
  std::string s;
  if (c.reference) s += "within Hamming distance " + std::to_string(c.delta) + " of " + to_string(*c.reference);
  if (c.madds_cap) {
    const LayerPosition& p = c.madds_cap->position;
    s += std::string(s.empty() ? "" : " and ") + "at most " + with_commas(c.madds_cap->cap) + " MAdds at " + to_string(p.input()) +
         " -> " + std::to_string(p.out_channels) + " channels, stride " + std::to_string(p.stride);
  }
  return s.empty() ? "unconstrained" : s;
}

Genotype sample_cell(const CellChoices& choices, Rng& rng, const CellConstraint& constraint, int max_tries) {
  choices.validate();
  if (constraint.reference && constraint.delta < 0)
    AUTOSPACE_THROW("sample_cell: Hamming distance bound delta = ", constraint.delta, " can never be met");
  // Beyond kPositions the distance bound excludes nothing, and uniform proposals explore better.
  const bool near = constraint.reference && constraint.delta < kPositions;
  for (int attempt = 0; attempt < max_tries; ++attempt) {
    const Genotype proposal =
        near ? near_reference(*constraint.reference, constraint.delta, choices, rng) : uniform_genotype(choices, rng);
    const Genotype c = canonical(proposal);
    if (acceptable(c, choices, constraint)) return c;
  }
  AUTOSPACE_THROW("sample_cell: no valid cell of the cell choices found ", describe(constraint), " in ", max_tries,
                  " tries; loosen the constraint (a larger delta or MAdds cap) or widen the choices");
}

Genotype mutate_cell(const Genotype& parent, const CellChoices& choices, Rng& rng, const CellConstraint& constraint) {
  choices.validate();
  const Genotype p = canonical(parent);
  if (!is_valid(p)) AUTOSPACE_THROW("mutate_cell: the parent ", to_string(parent), " is not a valid cell");
  std::vector<Genotype> children;
  for (int position = 0; position < kPositions; ++position) {
    for (std::size_t index = 0; index < value_count(choices, position); ++index) {
      Genotype child = p;
      if (!set_value(child, choices, position, index)) continue;
      child = canonical(child);
      if (child != p && acceptable(child, choices, constraint)) children.push_back(child);
    }
  }
  if (children.empty())
    AUTOSPACE_THROW("mutate_cell: ", to_string(p), " has no single-position mutation that is valid, in the cell choices, ",
                    "different from it and ", describe(constraint));
  return children[rng.below(children.size())];
}

}  // namespace autospace::nas
