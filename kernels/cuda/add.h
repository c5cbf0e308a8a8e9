#pragma once
#include <cstdint>

namespace autospace::kernels::cuda {

// out = a + b over n elements of device memory (out may alias a or b).
void add(std::int64_t n, const float* a, const float* b, float* out);

}  // namespace autospace::kernels::cuda
