#include "kernels/cuda/bias.h"

#include "kernels/cuda/reduce.cuh"

namespace autospace::kernels::cuda {

void add_bias(std::int64_t rows, std::int64_t channels, const float* bias, float* y) {
  launch_map(rows * channels, [=] __device__(auto i) { y[i] += bias[i % static_cast<decltype(i)>(channels)]; });
}

void bias_backward(std::int64_t rows, std::int64_t channels, const float* dy, float* dbias) {
  column_reduce<1>(
      1, rows, channels,
      [=] __device__(std::int64_t, std::int64_t r, std::int64_t c, double* acc) { acc[0] += dy[r * channels + c]; },
      [=] __device__(std::int64_t, std::int64_t c, const double* total) { dbias[c] = static_cast<float>(total[0]); });
}

}  // namespace autospace::kernels::cuda
