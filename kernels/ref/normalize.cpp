#include "kernels/ref/normalize.h"

namespace autospace::kernels::ref {

template <class T>
void normalize_image(std::int64_t pixels, int channels, const std::uint8_t* in, const float* mean, const float* stddev,
                     T* out) {
  for (std::int64_t p = 0; p < pixels; ++p)
    for (int c = 0; c < channels; ++c)
      out[p * channels + c] = static_cast<T>((in[p * channels + c] / 255.0 - mean[c]) / stddev[c]);
}

template void normalize_image<float>(std::int64_t, int, const std::uint8_t*, const float*, const float*, float*);
template void normalize_image<double>(std::int64_t, int, const std::uint8_t*, const float*, const float*, double*);

}  // namespace autospace::kernels::ref
