#include "kernels/cuda/bias.h"

#include "kernels/cuda/activation.cuh"
#include "kernels/cuda/reduce.cuh"

namespace autospace::kernels::cuda {

namespace {
// A function template rather than a generic lambda: nvcc takes no __device__ lambda
// inside one.
template <ActivationKind K> void bias_then(std::int64_t rows, std::int64_t channels, const float* bias, float* y) {
  launch_map(rows * channels,
             [=] __device__(auto i) { y[i] = activate<K>(y[i] + bias[i % static_cast<decltype(i)>(channels)]); });
}
}  // namespace

void add_bias(std::int64_t rows, std::int64_t channels, const float* bias, float* y) {
  launch_map(rows * channels, [=] __device__(auto i) { y[i] += bias[i % static_cast<decltype(i)>(channels)]; });
}

void add_bias_activation(std::int64_t rows, std::int64_t channels, const float* bias, ActivationKind kind, float* y) {
  dispatch_activation(kind, [&](auto k) { bias_then<decltype(k)::value>(rows, channels, bias, y); });
}

void bias_backward(std::int64_t rows, std::int64_t channels, const float* dy, float* dbias) {
  column_reduce<1>(
      1, rows, channels,
      [=] __device__(std::int64_t, std::int64_t r, std::int64_t c, double* acc) { acc[0] += dy[r * channels + c]; },
      [=] __device__(std::int64_t, std::int64_t c, const double* total) { dbias[c] = static_cast<float>(total[0]); });
}

}  // namespace autospace::kernels::cuda
