#pragma once
#include <cstdint>

namespace autospace::kernels::ref {

// *count += the number of the n elements of x that are NaN or infinite.
void count_nonfinite(std::int64_t n, const float* x, std::int64_t* count);

}  // namespace autospace::kernels::ref
