#include "kernels/cuda/bias.h"

#include "kernels/cuda/activation.cuh"
#include "kernels/cuda/reduce.cuh"

namespace autospace::kernels::cuda {

namespace {
// A function template rather than a generic lambda: nvcc takes no __device__ lambda
// inside one.
template <ActivationKind K, class T> void bias_then(std::int64_t rows, std::int64_t channels, const float* bias, T* y) {
  launch_map(rows * channels, [=] __device__(auto i) {
    y[i] = from_float<T>(activate<K>(to_float(y[i]) + bias[i % static_cast<decltype(i)>(channels)]));
  });
}
}  // namespace

template <class T> void add_bias(std::int64_t rows, std::int64_t channels, const float* bias, T* y) {
  launch_map(rows * channels, [=] __device__(auto i) {
    y[i] = from_float<T>(to_float(y[i]) + bias[i % static_cast<decltype(i)>(channels)]);
  });
}

template <class T>
void add_bias_activation(std::int64_t rows, std::int64_t channels, const float* bias, ActivationKind kind, T* y) {
  dispatch_activation(kind, [&](auto k) { bias_then<decltype(k)::value>(rows, channels, bias, y); });
}

template <class T> void bias_backward(std::int64_t rows, std::int64_t channels, const T* dy, float* dbias) {
  column_reduce<1>(
      1, rows, channels,
      [=] __device__(std::int64_t, std::int64_t r, std::int64_t c, double* acc) {
        acc[0] += to_float(dy[r * channels + c]);
      },
      [=] __device__(std::int64_t, std::int64_t c, const double* total) { dbias[c] = static_cast<float>(total[0]); });
}

#define AUTOSPACE_BIAS_INSTANCES(T)                                                                      \
  template void add_bias<T>(std::int64_t, std::int64_t, const float*, T*);                               \
  template void add_bias_activation<T>(std::int64_t, std::int64_t, const float*, ActivationKind, T*);    \
  template void bias_backward<T>(std::int64_t, std::int64_t, const T*, float*);
AUTOSPACE_BIAS_INSTANCES(float)
AUTOSPACE_BIAS_INSTANCES(bf16)
#undef AUTOSPACE_BIAS_INSTANCES

}  // namespace autospace::kernels::cuda
