#include "kernels/cpu/normalize.h"

#include <vector>

namespace autospace::kernels::cpu {

void normalize_image(std::int64_t pixels, int channels, const std::uint8_t* in, const float* mean,
                     const float* stddev, float* out) {
  std::vector<float> scale(channels), shift(channels);
  for (int c = 0; c < channels; ++c) {
    scale[c] = 1.f / (255.f * stddev[c]);
    shift[c] = -mean[c] / stddev[c];
  }
#pragma omp parallel for schedule(static) if (pixels > 16384)
  for (std::int64_t p = 0; p < pixels; ++p)
    for (int c = 0; c < channels; ++c) out[p * channels + c] = in[p * channels + c] * scale[c] + shift[c];
}

}  // namespace autospace::kernels::cpu
