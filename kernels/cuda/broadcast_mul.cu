#include "kernels/cuda/broadcast_mul.h"

#include "kernels/cuda/reduce.cuh"

namespace autospace::kernels::cuda {

template <class T>
void broadcast_mul(std::int64_t batch, std::int64_t pixels, std::int64_t channels, const T* x, const T* s, T* y) {
  launch_map(batch * pixels * channels, [=] __device__(auto i) {
    using I = decltype(i);
    const I c = i % static_cast<I>(channels), n = i / static_cast<I>(pixels * channels);
    y[i] = from_float<T>(to_float(x[i]) * to_float(s[n * static_cast<I>(channels) + c]));
  });
}

template <class T>
void broadcast_mul_backward(std::int64_t batch, std::int64_t pixels, std::int64_t channels, const T* x, const T* s,
                            const T* dy, T* dx, T* ds) {
  if (dx) broadcast_mul(batch, pixels, channels, dy, s, dx);
  if (!ds) return;
  column_reduce<1>(
      batch, pixels, channels,
      [=] __device__(std::int64_t n, std::int64_t p, std::int64_t c, double* acc) {
        const std::int64_t i = (n * pixels + p) * channels + c;
        acc[0] += static_cast<double>(to_float(dy[i]) * to_float(x[i]));
      },
      [=] __device__(std::int64_t n, std::int64_t c, const double* total) {
        ds[n * channels + c] = from_float<T>(static_cast<float>(total[0]));
      });
}

template void broadcast_mul<float>(std::int64_t, std::int64_t, std::int64_t, const float*, const float*, float*);
template void broadcast_mul<bf16>(std::int64_t, std::int64_t, std::int64_t, const bf16*, const bf16*, bf16*);
template void broadcast_mul_backward<float>(std::int64_t, std::int64_t, std::int64_t, const float*, const float*,
                                            const float*, float*, float*);
template void broadcast_mul_backward<bf16>(std::int64_t, std::int64_t, std::int64_t, const bf16*, const bf16*,
                                           const bf16*, bf16*, bf16*);

}  // namespace autospace::kernels::cuda
