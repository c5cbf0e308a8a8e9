#pragma once
#include <cstdint>

#include "kernels/common/philox.h"

namespace autospace::kernels::cuda {

// dst[i] = lo + (hi - lo) * stream.uniform(i): the same numbers as the CPU would draw from
// the stream, generated on the device (benchmark inputs of gigabytes in microseconds).
void fill_uniform(float* dst, std::int64_t n, const PhiloxStream& stream, float lo, float hi);

}  // namespace autospace::kernels::cuda
