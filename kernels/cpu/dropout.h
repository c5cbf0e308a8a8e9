#pragma once
#include <cstdint>

#include "kernels/common/bf16.h"
#include "kernels/common/philox.h"

namespace autospace::kernels::cpu {

// Inverted dropout over n elements: element i is zeroed when stream.uniform(i) < p and
// scaled by 1 / (1 - p) otherwise (all zeroed when p = 1). The map is linear in x, so
// the backward pass is the same call on the output gradient. y may alias x. T: float or
// bf16 (scaled in float, rounded once).
template <class T> void dropout(std::int64_t n, const T* x, float p, const PhiloxStream& stream, T* y);

}  // namespace autospace::kernels::cpu
