#include "kernels/cuda/random.h"

#include "kernels/cuda/cuda_check.cuh"

namespace autospace::kernels::cuda {

void fill_uniform(float* dst, std::int64_t n, const PhiloxStream& stream, float lo, float hi) {
  const float range = hi - lo;
  // One thread per Philox block of four numbers.
  launch_map((n + 3) / 4, [=] __device__(auto b) {
    const PhiloxBlock bits = stream.block(static_cast<std::uint64_t>(b));
    const std::int64_t first = static_cast<std::int64_t>(b) * 4;
#pragma unroll
    for (int j = 0; j < 4; ++j)
      if (first + j < n) dst[first + j] = lo + range * PhiloxStream::to_uniform(bits.v[j]);
  });
}

}  // namespace autospace::kernels::cuda
