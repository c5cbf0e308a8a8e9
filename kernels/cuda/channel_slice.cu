#include "kernels/cuda/channel_slice.h"

#include "kernels/cuda/copy.cuh"

namespace autospace::kernels::cuda {

template <class T> void channel_slice(const SliceShape& s, const T* x, T* y) {
  copy_rows(s.outer, s.count * s.inner, x, s.extent * s.inner, y, s.count * s.inner);
}

template <class T> void channel_slice_backward(const SliceShape& s, const T* dy, T* dx) {
  const std::int64_t in_row = s.extent * s.inner, out_row = s.count * s.inner;
  launch_map(s.outer * in_row, [=] __device__(auto i) {
    using I = decltype(i);
    const I o = i / static_cast<I>(in_row), j = i % static_cast<I>(in_row);
    dx[i] = j < static_cast<I>(out_row) ? dy[o * static_cast<I>(out_row) + j] : T{};
  });
}

template void channel_slice<float>(const SliceShape&, const float*, float*);
template void channel_slice<bf16>(const SliceShape&, const bf16*, bf16*);
template void channel_slice_backward<float>(const SliceShape&, const float*, float*);
template void channel_slice_backward<bf16>(const SliceShape&, const bf16*, bf16*);

}  // namespace autospace::kernels::cuda
