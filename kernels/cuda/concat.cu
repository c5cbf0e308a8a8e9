#include "kernels/cuda/concat.h"

#include "kernels/cuda/copy.cuh"

namespace autospace::kernels::cuda {

namespace {
std::int64_t total_width(std::int64_t count, const std::int64_t* widths) {
  std::int64_t total = 0;
  for (std::int64_t k = 0; k < count; ++k) total += widths[k];
  return total;
}
}  // namespace

void concat_channels(std::int64_t rows, std::int64_t count, const float* const* xs, const std::int64_t* widths,
                     float* out) {
  const std::int64_t total = total_width(count, widths);
  std::int64_t offset = 0;
  for (std::int64_t k = 0; k < count; ++k) {
    copy_rows(rows, widths[k], xs[k], widths[k], out + offset, total);
    offset += widths[k];
  }
}

void split_channels(std::int64_t rows, std::int64_t count, const float* x, const std::int64_t* widths,
                    float* const* outs) {
  const std::int64_t total = total_width(count, widths);
  std::int64_t offset = 0;
  for (std::int64_t k = 0; k < count; ++k) {
    if (outs[k]) copy_rows(rows, widths[k], x + offset, total, outs[k], widths[k]);
    offset += widths[k];
  }
}

}  // namespace autospace::kernels::cuda
