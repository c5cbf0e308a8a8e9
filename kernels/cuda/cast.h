#pragma once
// f32 <-> bf16 on device arrays (kernels/common/bf16.h's rounding, as on the CPU).
#include <cstdint>

namespace autospace::kernels::cuda {

void f32_to_bf16(std::int64_t n, const float* in, std::uint16_t* out);
void bf16_to_f32(std::int64_t n, const std::uint16_t* in, float* out);

}  // namespace autospace::kernels::cuda
