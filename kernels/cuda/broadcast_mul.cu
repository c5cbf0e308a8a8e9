#include "kernels/cuda/broadcast_mul.h"

#include "kernels/cuda/reduce.cuh"

namespace autospace::kernels::cuda {

void broadcast_mul(std::int64_t batch, std::int64_t pixels, std::int64_t channels, const float* x, const float* s,
                   float* y) {
  launch_map(batch * pixels * channels, [=] __device__(auto i) {
    using I = decltype(i);
    const I c = i % static_cast<I>(channels), n = i / static_cast<I>(pixels * channels);
    y[i] = x[i] * s[n * static_cast<I>(channels) + c];
  });
}

void broadcast_mul_backward(std::int64_t batch, std::int64_t pixels, std::int64_t channels, const float* x,
                            const float* s, const float* dy, float* dx, float* ds) {
  if (dx) broadcast_mul(batch, pixels, channels, dy, s, dx);
  if (!ds) return;
  column_reduce<1>(
      batch, pixels, channels,
      [=] __device__(std::int64_t n, std::int64_t p, std::int64_t c, double* acc) {
        const std::int64_t i = (n * pixels + p) * channels + c;
        acc[0] += static_cast<double>(dy[i] * x[i]);
      },
      [=] __device__(std::int64_t n, std::int64_t c, const double* total) {
        ds[n * channels + c] = static_cast<float>(total[0]);
      });
}

}  // namespace autospace::kernels::cuda
