#pragma once
#include <cstdint>

#include "kernels/common/bf16.h"
#include "kernels/common/philox.h"

namespace autospace::kernels::cuda {

// Device pointers; the same contract and the same Philox numbers as
// kernels/cpu/dropout.h, so CPU and GPU drop the same elements.
template <class T> void dropout(std::int64_t n, const T* x, float p, const PhiloxStream& stream, T* y);

}  // namespace autospace::kernels::cuda
