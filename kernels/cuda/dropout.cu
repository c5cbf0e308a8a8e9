#include "kernels/cuda/dropout.h"

#include "kernels/cuda/cuda_check.cuh"

namespace autospace::kernels::cuda {

void dropout(std::int64_t n, const float* x, float p, const PhiloxStream& stream, float* y) {
  const float scale = p < 1.0f ? 1.0f / (1.0f - p) : 0.0f;
  // One thread per Philox block: its four words decide four consecutive elements.
  launch_map((n + 3) / 4, [=] __device__(auto b) {
    const PhiloxBlock bits = stream.block(static_cast<std::uint64_t>(b));
    const std::int64_t first = static_cast<std::int64_t>(b) * 4;
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      const std::int64_t i = first + j;
      if (i < n) y[i] = PhiloxStream::to_uniform(bits.v[j]) < p ? 0.0f : x[i] * scale;
    }
  });
}

}  // namespace autospace::kernels::cuda
