#pragma once
#include <cstdint>

namespace autospace::kernels::cpu {

// out = a + b over n elements (OpenMP, vectorised; out may alias a or b).
void add(std::int64_t n, const float* a, const float* b, float* out);

}  // namespace autospace::kernels::cpu
