#pragma once
// f32 <-> bf16 on host arrays (kernels/common/bf16.h's rounding, as on the GPU).
#include <cstdint>

#include "kernels/common/bf16.h"

namespace autospace::kernels::cpu {

// out[i] = in[i] converted, for (From, To) = (float, bf16) and (bf16, float) (OpenMP,
// vectorised).
template <class From, class To> void convert(std::int64_t n, const From* in, To* out);

}  // namespace autospace::kernels::cpu
