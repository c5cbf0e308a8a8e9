#include "kernels/cpu/channel_slice.h"

#include <algorithm>

namespace autospace::kernels::cpu {

namespace {
constexpr std::int64_t kParallelMin = 32768;
}  // namespace

void channel_slice(const SliceShape& s, const float* x, float* y) {
  const std::int64_t in_row = s.extent * s.inner, out_row = s.count * s.inner;
#pragma omp parallel for schedule(static) if (s.outer * out_row > kParallelMin)
  for (std::int64_t o = 0; o < s.outer; ++o) std::copy_n(x + o * in_row, out_row, y + o * out_row);
}

void channel_slice_backward(const SliceShape& s, const float* dy, float* dx) {
  const std::int64_t in_row = s.extent * s.inner, out_row = s.count * s.inner;
#pragma omp parallel for schedule(static) if (s.outer * in_row > kParallelMin)
  for (std::int64_t o = 0; o < s.outer; ++o) {
    float* d = std::copy_n(dy + o * out_row, out_row, dx + o * in_row);
    std::fill_n(d, in_row - out_row, 0.0f);
  }
}

}  // namespace autospace::kernels::cpu
