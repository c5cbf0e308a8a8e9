#include "kernels/cuda/dropout.h"

#include "kernels/cuda/cuda_check.cuh"

namespace autospace::kernels::cuda {

template <class T> void dropout(std::int64_t n, const T* x, float p, const PhiloxStream& stream, T* y) {
  const float scale = p < 1.0f ? 1.0f / (1.0f - p) : 0.0f;
  // One thread per Philox block: its four words decide four consecutive elements.
  launch_map((n + 3) / 4, [=] __device__(auto b) {
    const PhiloxBlock bits = stream.block(static_cast<std::uint64_t>(b));
    const std::int64_t first = static_cast<std::int64_t>(b) * 4;
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      const std::int64_t i = first + j;
      if (i < n) y[i] = from_float<T>(PhiloxStream::to_uniform(bits.v[j]) < p ? 0.0f : to_float(x[i]) * scale);
    }
  });
}

template void dropout<float>(std::int64_t, const float*, float, const PhiloxStream&, float*);
template void dropout<bf16>(std::int64_t, const bf16*, float, const PhiloxStream&, bf16*);

}  // namespace autospace::kernels::cuda
