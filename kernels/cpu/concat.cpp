#include "kernels/cpu/concat.h"

#include <algorithm>

namespace autospace::kernels::cpu {

namespace {
constexpr std::int64_t kParallelMin = 32768;

std::int64_t total_width(std::int64_t count, const std::int64_t* widths) {
  std::int64_t total = 0;
  for (std::int64_t k = 0; k < count; ++k) total += widths[k];
  return total;
}
}  // namespace

void concat_channels(std::int64_t rows, std::int64_t count, const float* const* xs, const std::int64_t* widths,
                     float* out) {
  const std::int64_t total = total_width(count, widths);
#pragma omp parallel for schedule(static) if (rows * total > kParallelMin)
  for (std::int64_t r = 0; r < rows; ++r) {
    float* o = out + r * total;
    for (std::int64_t k = 0; k < count; ++k) o = std::copy_n(xs[k] + r * widths[k], widths[k], o);
  }
}

void split_channels(std::int64_t rows, std::int64_t count, const float* x, const std::int64_t* widths,
                    float* const* outs) {
  const std::int64_t total = total_width(count, widths);
#pragma omp parallel for schedule(static) if (rows * total > kParallelMin)
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* in = x + r * total;
    for (std::int64_t k = 0; k < count; ++k) {
      if (outs[k]) std::copy_n(in, widths[k], outs[k] + r * widths[k]);
      in += widths[k];
    }
  }
}

}  // namespace autospace::kernels::cpu
