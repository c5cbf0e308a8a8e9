#include "kernels/cpu/broadcast_mul.h"

#include <vector>

namespace autospace::kernels::cpu {

namespace {
constexpr std::int64_t kParallelMin = 32768;
}  // namespace

template <class T>
void broadcast_mul(std::int64_t batch, std::int64_t pixels, std::int64_t channels, const T* x, const T* s, T* y) {
#pragma omp parallel for collapse(2) schedule(static) if (batch * pixels * channels > kParallelMin)
  for (std::int64_t n = 0; n < batch; ++n)
    for (std::int64_t p = 0; p < pixels; ++p) {
      const std::int64_t row = (n * pixels + p) * channels;
      const T* sn = s + n * channels;
#pragma omp simd
      for (std::int64_t c = 0; c < channels; ++c) y[row + c] = from_float<T>(to_float(x[row + c]) * to_float(sn[c]));
    }
}

template <class T>
void broadcast_mul_backward(std::int64_t batch, std::int64_t pixels, std::int64_t channels, const T* x, const T* s,
                            const T* dy, T* dx, T* ds) {
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
      for (std::int64_t c = 0; c < channels; ++c) a[c] += static_cast<double>(to_float(dy[row + c]) * to_float(x[row + c]));
    }
    for (std::int64_t c = 0; c < channels; ++c) ds[n * channels + c] = from_float<T>(static_cast<float>(a[c]));
  }
}

template void broadcast_mul<float>(std::int64_t, std::int64_t, std::int64_t, const float*, const float*, float*);
template void broadcast_mul<bf16>(std::int64_t, std::int64_t, std::int64_t, const bf16*, const bf16*, bf16*);
template void broadcast_mul_backward<float>(std::int64_t, std::int64_t, std::int64_t, const float*, const float*,
                                            const float*, float*, float*);
template void broadcast_mul_backward<bf16>(std::int64_t, std::int64_t, std::int64_t, const bf16*, const bf16*,
                                           const bf16*, bf16*, bf16*);

}  // namespace autospace::kernels::cpu
