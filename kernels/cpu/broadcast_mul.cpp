#include "kernels/cpu/broadcast_mul.h"

#include <vector>

namespace autospace::kernels::cpu {

namespace {
constexpr std::int64_t kParallelMin = 32768;
}  // namespace

void broadcast_mul(std::int64_t batch, std::int64_t pixels, std::int64_t channels, const float* x, const float* s,
                   float* y) {
#pragma omp parallel for collapse(2) schedule(static) if (batch * pixels * channels > kParallelMin)
  for (std::int64_t n = 0; n < batch; ++n)
    for (std::int64_t p = 0; p < pixels; ++p) {
      const std::int64_t row = (n * pixels + p) * channels;
      const float* sn = s + n * channels;
#pragma omp simd
      for (std::int64_t c = 0; c < channels; ++c) y[row + c] = x[row + c] * sn[c];
    }
}

void broadcast_mul_backward(std::int64_t batch, std::int64_t pixels, std::int64_t channels, const float* x,
                            const float* s, const float* dy, float* dx, float* ds) {
  const bool parallel = batch * pixels * channels > kParallelMin;
  if (dx) broadcast_mul(batch, pixels, channels, dy, s, dx);
  if (!ds) return;
#pragma omp parallel for schedule(static) if (parallel)
  for (std::int64_t n = 0; n < batch; ++n) {
    // Double accumulators: a sum over up to ~10^4 pixels would lose digits in float.
    std::vector<double> acc(static_cast<std::size_t>(channels), 0.0);
    double* a = acc.data();
    for (std::int64_t p = 0; p < pixels; ++p) {
      const std::int64_t row = (n * pixels + p) * channels;
#pragma omp simd
      for (std::int64_t c = 0; c < channels; ++c) a[c] += static_cast<double>(dy[row + c] * x[row + c]);
    }
    for (std::int64_t c = 0; c < channels; ++c) ds[n * channels + c] = static_cast<float>(a[c]);
  }
}

}  // namespace autospace::kernels::cpu
