#pragma once
#include <cstdint>

#include "kernels/common/philox.h"

namespace autospace::kernels::cuda {

// Device pointers; the same contract and the same Philox numbers as
// kernels/cpu/dropout.h, so CPU and GPU drop the same elements.
void dropout(std::int64_t n, const float* x, float p, const PhiloxStream& stream, float* y);

}  // namespace autospace::kernels::cuda
