#pragma once
#include <cstdint>

namespace autospace::kernels::cuda {

// Device pointers; the contract of kernels/cpu/count_nonfinite.h (count on the device).
void count_nonfinite(std::int64_t n, const float* x, std::int64_t* count);

}  // namespace autospace::kernels::cuda
