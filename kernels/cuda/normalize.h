#pragma once
#include <cstdint>

namespace autospace::kernels::cuda {

// At most this many channels: the per-channel constants travel with the launch.
constexpr int kMaxNormalizeChannels = 16;

// See kernels/ref/normalize.h: in is u8 [pixels, channels] in device memory, out f32;
// mean and stddev are host arrays of `channels` values.
void normalize_image(std::int64_t pixels, int channels, const std::uint8_t* in, const float* mean,
                     const float* stddev, float* out);

}  // namespace autospace::kernels::cuda
