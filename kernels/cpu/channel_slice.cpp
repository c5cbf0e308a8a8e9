#include "kernels/cpu/channel_slice.h"

#include <algorithm>

namespace autospace::kernels::cpu {

namespace {
constexpr std::int64_t kParallelMin = 32768;
}  // namespace

template <class T> void channel_slice(const SliceShape& s, const T* x, T* y) {
  const std::int64_t in_row = s.extent * s.inner, out_row = s.count * s.inner;
#pragma omp parallel for schedule(static) if (s.outer * out_row > kParallelMin)
  for (std::int64_t o = 0; o < s.outer; ++o) std::copy_n(x + o * in_row, out_row, y + o * out_row);
}

template <class T> void channel_slice_backward(const SliceShape& s, const T* dy, T* dx) {
  const std::int64_t in_row = s.extent * s.inner, out_row = s.count * s.inner;
#pragma omp parallel for schedule(static) if (s.outer * in_row > kParallelMin)
  for (std::int64_t o = 0; o < s.outer; ++o) {
    T* d = std::copy_n(dy + o * out_row, out_row, dx + o * in_row);
    std::fill_n(d, in_row - out_row, T{});  // +0 in either type
  }
}

template void channel_slice<float>(const SliceShape&, const float*, float*);
template void channel_slice<bf16>(const SliceShape&, const bf16*, bf16*);
template void channel_slice_backward<float>(const SliceShape&, const float*, float*);
template void channel_slice_backward<bf16>(const SliceShape&, const bf16*, bf16*);

}  // namespace autospace::kernels::cpu
