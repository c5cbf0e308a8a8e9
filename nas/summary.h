#pragma once
// Plain-text tables of a network or a space (what autospace-inspect prints).
#include <string>

#include "nas/arch.h"
#include "nas/space.h"

namespace autospace::nas {

// One row per stem/layer/head/classifier: block, input -> output shape, MAdds, params;
// then the totals.
std::string arch_table(const Arch& arch);

// The backbone's fixed cost, then per searchable layer its position, candidate count and
// MAdds/params range (learned and IRB spaces also list every candidate), then the range of
// whole-network MAdds and the number of networks in the space.
std::string space_table(const Space& space);

}  // namespace autospace::nas
