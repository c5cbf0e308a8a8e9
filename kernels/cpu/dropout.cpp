#include "kernels/cpu/dropout.h"

#include <algorithm>

namespace autospace::kernels::cpu {

namespace {
// Philox costs tens of operations per block of four elements, so threads pay off early.
constexpr std::int64_t kParallelMin = 4096;
// Elements per task: the random bits of a chunk are generated first, in a loop over
// whole Philox blocks that vectorises, then applied in a second vectorised loop.
constexpr std::int64_t kChunk = 1024;
}  // namespace

template <class T> void dropout(std::int64_t n, const T* x, float p, const PhiloxStream& stream, T* y) {
  static_assert(kChunk % 4 == 0, "chunks must hold whole Philox blocks");
  const float scale = p < 1.0f ? 1.0f / (1.0f - p) : 0.0f;
  const std::int64_t chunks = (n + kChunk - 1) / kChunk;
#pragma omp parallel for schedule(static) if (n > kParallelMin)
  for (std::int64_t k = 0; k < chunks; ++k) {
    const std::int64_t first = k * kChunk;
    const std::int64_t count = std::min(kChunk, n - first);
    const std::uint64_t first_block = static_cast<std::uint64_t>(first / 4);
    std::uint32_t bits[kChunk];
#pragma omp simd
    for (std::int64_t b = 0; b < kChunk / 4; ++b) {
      const PhiloxBlock block = stream.block(first_block + static_cast<std::uint64_t>(b));
      bits[4 * b] = block.v[0];
      bits[4 * b + 1] = block.v[1];
      bits[4 * b + 2] = block.v[2];
      bits[4 * b + 3] = block.v[3];
    }
    const T* xs = x + first;
    T* ys = y + first;
#pragma omp simd
    for (std::int64_t i = 0; i < count; ++i) {
      const float kept = to_float(xs[i]) * scale;  // unconditional, so that the select needs no branch
      ys[i] = from_float<T>(PhiloxStream::to_uniform(bits[i]) < p ? 0.0f : kept);
    }
  }
}

template void dropout<float>(std::int64_t, const float*, float, const PhiloxStream&, float*);
template void dropout<bf16>(std::int64_t, const bf16*, float, const PhiloxStream&, bf16*);

}  // namespace autospace::kernels::cpu
