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

template <class T>
void concat_channels(std::int64_t rows, std::int64_t count, const T* const* xs, const std::int64_t* widths, T* out) {
  const std::int64_t total = total_width(count, widths);
  std::int64_t offset = 0;
  for (std::int64_t k = 0; k < count; ++k) {
    copy_rows(rows, widths[k], xs[k], widths[k], out + offset, total);
    offset += widths[k];
  }
}

template <class T>
void split_channels(std::int64_t rows, std::int64_t count, const T* x, const std::int64_t* widths, T* const* outs) {
  const std::int64_t total = total_width(count, widths);
  std::int64_t offset = 0;
  for (std::int64_t k = 0; k < count; ++k) {
    if (outs[k]) copy_rows(rows, widths[k], x + offset, total, outs[k], widths[k]);
    offset += widths[k];
  }
}

template void concat_channels<float>(std::int64_t, std::int64_t, const float* const*, const std::int64_t*, float*);
template void concat_channels<bf16>(std::int64_t, std::int64_t, const bf16* const*, const std::int64_t*, bf16*);
template void split_channels<float>(std::int64_t, std::int64_t, const float*, const std::int64_t*, float* const*);
template void split_channels<bf16>(std::int64_t, std::int64_t, const bf16*, const std::int64_t*, bf16* const*);

}  // namespace autospace::kernels::cuda
