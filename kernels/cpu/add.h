#pragma once
#include <cstdint>

#include "kernels/common/bf16.h"

namespace autospace::kernels::cpu {

// out = a + b over n elements of T (float or bf16, added in float; OpenMP, vectorised;
// out may alias a or b).
template <class T> void add(std::int64_t n, const T* a, const T* b, T* out);

}  // namespace autospace::kernels::cpu
