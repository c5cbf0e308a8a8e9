#include "kernels/ref/broadcast_mul.h"

namespace autospace::kernels::ref {

template <class T>
void broadcast_mul(std::int64_t batch, std::int64_t pixels, std::int64_t channels, const T* x, const T* s, T* y) {
  for (std::int64_t n = 0; n < batch; ++n)
    for (std::int64_t p = 0; p < pixels; ++p)
      for (std::int64_t c = 0; c < channels; ++c) {
        const std::int64_t i = (n * pixels + p) * channels + c;
        y[i] = static_cast<T>(static_cast<double>(x[i]) * static_cast<double>(s[n * channels + c]));
      }
}

template void broadcast_mul<float>(std::int64_t, std::int64_t, std::int64_t, const float*, const float*, float*);
template void broadcast_mul<double>(std::int64_t, std::int64_t, std::int64_t, const double*, const double*,
                                    double*);

}  // namespace autospace::kernels::ref
