#pragma once
#include <cstdint>

namespace autospace::kernels::cpu {

// See kernels/ref/normalize.h; one multiply-add per value with per-channel constants.
void normalize_image(std::int64_t pixels, int channels, const std::uint8_t* in, const float* mean,
                     const float* stddev, float* out);

}  // namespace autospace::kernels::cpu
