#pragma once
// Drawing cells for the evolution: random valid cells, mutations, and both under the
// constraints of DESIGN 4.4 (Hamming distance to a reference cell, Eq. 2; a MAdds cap at
// the layer's position). All randomness comes from the caller's counter-based Rng, so a
// run is reproducible from its seed.
#include <cstdint>
#include <optional>
#include <string>

#include "engine/rng/rng.h"
#include "nas/block.h"
#include "nas/cell_choices.h"

namespace autospace::nas {

// The cell's MAdds at `position` (with squeeze-excite at `se_ratio`) must not exceed `cap`.
struct MaddsCap {
  LayerPosition position;
  std::int64_t cap = 0;
  double se_ratio = 0;
};

struct CellConstraint {
  std::optional<Genotype> reference;  // with `delta`: hamming_distance(cell, *reference) <= delta
  int delta = 0;
  std::optional<MaddsCap> madds_cap;
};

// Whether a (valid) cell meets the constraint.
bool satisfies(const Genotype& g, const CellConstraint& constraint);
// For messages: "within Hamming distance 2 of e6:sum:... and at most 1,234 MAdds at ...".
std::string describe(const CellConstraint& constraint);

inline constexpr int kDefaultSampleTries = 20000;

// A random valid cell of `choices` meeting the constraint, in canonical form. Without a
// reference every raw genotype is equally likely to be proposed; with one, proposals are
// the reference with k uniformly chosen positions (edges, e, mix) redrawn, k uniform in
// 0..delta. Proposals are rejected until one is valid, in the choices and meets the
// constraint; after `max_tries` rejections the call throws autospace::Error saying which
// constraint could not be met.
Genotype sample_cell(const CellChoices& choices, Rng& rng, const CellConstraint& constraint = {},
                     int max_tries = kDefaultSampleTries);

// One position of the (canonical) parent redrawn: an edge op, the expansion or the mix,
// uniformly over the (position, new value) pairs whose canonical child is valid, in the
// choices, different from the parent and meets the constraint. Throws autospace::Error
// when no such child exists. Returns the child in canonical form.
Genotype mutate_cell(const Genotype& parent, const CellChoices& choices, Rng& rng, const CellConstraint& constraint = {});

}  // namespace autospace::nas
