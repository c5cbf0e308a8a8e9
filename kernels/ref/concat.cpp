#include "kernels/ref/concat.h"

namespace autospace::kernels::ref {

template <class T>
void concat_channels(std::int64_t rows, std::int64_t count, const T* const* xs, const std::int64_t* widths, T* out) {
  std::int64_t total = 0;
  for (std::int64_t k = 0; k < count; ++k) total += widths[k];
  std::int64_t offset = 0;
  for (std::int64_t k = 0; k < count; ++k) {
    for (std::int64_t r = 0; r < rows; ++r)
      for (std::int64_t c = 0; c < widths[k]; ++c) out[r * total + offset + c] = xs[k][r * widths[k] + c];
    offset += widths[k];
  }
}

template void concat_channels<float>(std::int64_t, std::int64_t, const float* const*, const std::int64_t*, float*);
template void concat_channels<double>(std::int64_t, std::int64_t, const double* const*, const std::int64_t*,
                                      double*);

}  // namespace autospace::kernels::ref
