#pragma once
#include <cstdint>

namespace autospace::kernels::ref {

// out[p, c] = (in[p, c] / 255 - mean[c]) / stddev[c] over `pixels` rows of `channels`.
template <class T>
void normalize_image(std::int64_t pixels, int channels, const std::uint8_t* in, const float* mean, const float* stddev,
                     T* out);

}  // namespace autospace::kernels::ref
