#include "kernels/cuda/normalize.h"

#include "kernels/common/check.h"
#include "kernels/cuda/cuda_check.cuh"

namespace autospace::kernels::cuda {

namespace {
struct ChannelAffine {
  float scale[kMaxNormalizeChannels];
  float shift[kMaxNormalizeChannels];
};
}  // namespace

void normalize_image(std::int64_t pixels, int channels, const std::uint8_t* in, const float* mean,
                     const float* stddev, float* out) {
  AUTOSPACE_CHECK(channels >= 1 && channels <= kMaxNormalizeChannels, "normalize_image on the GPU: ", channels,
                  " channels (at most ", kMaxNormalizeChannels, ")");
  // The same constants as the CPU kernel, so both round identically.
  ChannelAffine a{};
  for (int c = 0; c < channels; ++c) {
    a.scale[c] = 1.f / (255.f * stddev[c]);
    a.shift[c] = -mean[c] / stddev[c];
  }
  launch_map(pixels * channels, [=] __device__(auto i) {
    const int c = static_cast<int>(i % channels);
    out[i] = static_cast<float>(in[i]) * a.scale[c] + a.shift[c];
  });
}

}  // namespace autospace::kernels::cuda
