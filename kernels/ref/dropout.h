#pragma once
#include <cstdint>

#include "kernels/common/philox.h"

namespace autospace::kernels::ref {

// Inverted dropout over n elements: element i is zeroed when stream.uniform(i) < p and
// scaled by 1 / (1 - p) otherwise.
template <class T> void dropout(std::int64_t n, const T* x, float p, const PhiloxStream& stream, T* y);

}  // namespace autospace::kernels::ref
