#include "kernels/cuda/activation.h"

#include "kernels/cuda/activation.cuh"

namespace autospace::kernels::cuda {

namespace {

template <ActivationKind K, class T> void forward(std::int64_t n, const T* x, T* y) {
  launch_map(n, [=] __device__(auto i) { y[i] = from_float<T>(activate<K>(to_float(x[i]))); });
}

template <ActivationKind K, class T> void backward(std::int64_t n, const T* at, const T* dy, T* dx) {
  launch_map(n, [=] __device__(auto i) { dx[i] = from_float<T>(activate_backward<K>(to_float(at[i]), to_float(dy[i]))); });
}

}  // namespace

template <class T> void activation(ActivationKind kind, std::int64_t n, const T* x, T* y) {
  dispatch_activation(kind, [&](auto k) { forward<decltype(k)::value>(n, x, y); });
}

template <class T>
void activation_backward(ActivationKind kind, std::int64_t n, const T* x, const T* y, const T* dy, T* dx) {
  const T* at = kind == ActivationKind::sigmoid ? y : x;
  dispatch_activation(kind, [&](auto k) { backward<decltype(k)::value>(n, at, dy, dx); });
}

template void activation<float>(ActivationKind, std::int64_t, const float*, float*);
template void activation<bf16>(ActivationKind, std::int64_t, const bf16*, bf16*);
template void activation_backward<float>(ActivationKind, std::int64_t, const float*, const float*, const float*,
                                         float*);
template void activation_backward<bf16>(ActivationKind, std::int64_t, const bf16*, const bf16*, const bf16*, bf16*);

}  // namespace autospace::kernels::cuda
