#pragma once
// Drawing architectures of a space under a MAdds budget (SPOS' constrained sampling and
// its evolution's mutation and crossover). All randomness comes from the caller's
// counter-based Rng, so a search is reproducible from its seed.
#include <cstdint>
#include <optional>

#include "engine/rng/rng.h"
#include "nas/search/space_table.h"

namespace autospace::nas {

// A network of the space with at most `max_madds` MAdds. Uniform over those networks
// whenever one of the first `uniform_tries` uniform draws fits (rejection sampling);
// otherwise (a budget few networks meet) layers are drawn in random order, each uniformly
// among the candidates that leave room for the cheapest choice of every layer still
// open, which always succeeds. Throws autospace::Error when even the cheapest network
// of the space costs more than the budget.
ArchChoice sample_choice(const SpaceTable& table, Rng& rng, std::int64_t max_madds, int uniform_tries = 100);

// Each layer redrawn uniformly with probability `probability`; drawn again (up to
// `tries` times) until the child differs from the parent and fits the budget.
std::optional<ArchChoice> mutate_choice(const SpaceTable& table, const ArchChoice& parent, double probability,
                                        std::int64_t max_madds, Rng& rng, int tries = 50);

// Each layer taken from `a` or `b` with equal probability; drawn again (up to `tries`
// times) until the child differs from both parents and fits the budget.
std::optional<ArchChoice> crossover_choice(const SpaceTable& table, const ArchChoice& a, const ArchChoice& b,
                                           std::int64_t max_madds, Rng& rng, int tries = 50);

}  // namespace autospace::nas
