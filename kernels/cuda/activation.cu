#include "kernels/cuda/activation.h"

#include "kernels/cuda/activation.cuh"

namespace autospace::kernels::cuda {

namespace {

template <ActivationKind K> void forward(std::int64_t n, const float* x, float* y) {
  launch_map(n, [=] __device__(auto i) { y[i] = activate<K>(x[i]); });
}

template <ActivationKind K> void backward(std::int64_t n, const float* at, const float* dy, float* dx) {
  launch_map(n, [=] __device__(auto i) { dx[i] = activate_backward<K>(at[i], dy[i]); });
}

}  // namespace

void activation(ActivationKind kind, std::int64_t n, const float* x, float* y) {
  dispatch_activation(kind, [&](auto k) { forward<decltype(k)::value>(n, x, y); });
}

void activation_backward(ActivationKind kind, std::int64_t n, const float* x, const float* y, const float* dy,
                         float* dx) {
  const float* at = kind == ActivationKind::sigmoid ? y : x;
  dispatch_activation(kind, [&](auto k) { backward<decltype(k)::value>(n, at, dy, dx); });
}

}  // namespace autospace::kernels::cuda
