#pragma once
// Drawing architectures of a space inside a budget's band (SPOS' constrained sampling and
// its evolution's mutation and crossover). All randomness comes from the caller's
// counter-based Rng, so a search is reproducible from its seed.
#include <cstdint>
#include <optional>

#include "engine/rng/rng.h"
#include "nas/search/budget.h"
#include "nas/search/space_table.h"

namespace autospace::nas {

// A network of the space whose cost lies in the budget's band. Uniform over those networks
// whenever one of the first `uniform_tries` uniform draws fits (rejection sampling);
// otherwise (a band few networks meet) layers are drawn in random order, each uniformly
// among the candidates that keep the band reachable with the layers still open, retried
// in new orders when the last layer finds the band between its candidates' costs. Throws
// autospace::Error when the band lies outside the space's range or no draw reaches it.
ArchChoice sample_choice(const SpaceTable& table, Rng& rng, const Budget& budget, int uniform_tries = 100);

// Each layer redrawn uniformly with probability `probability`; drawn again (up to
// `tries` times) until the child differs from the parent and lies in the band.
std::optional<ArchChoice> mutate_choice(const SpaceTable& table, const ArchChoice& parent, double probability,
                                        const Budget& budget, Rng& rng, int tries = 50);

// Each layer taken from `a` or `b` with equal probability; drawn again (up to `tries`
// times) until the child differs from both parents and lies in the band.
std::optional<ArchChoice> crossover_choice(const SpaceTable& table, const ArchChoice& a, const ArchChoice& b,
                                           const Budget& budget, Rng& rng, int tries = 50);

}  // namespace autospace::nas
