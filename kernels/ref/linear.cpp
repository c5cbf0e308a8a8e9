#include "kernels/ref/linear.h"

namespace autospace::kernels::ref {

template <class T>
void linear_forward(std::int64_t n, std::int64_t k, std::int64_t o, const T* x, const T* w, const T* bias, T* y) {
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = 0; j < o; ++j) {
      double acc = bias ? static_cast<double>(bias[j]) : 0.0;
      for (std::int64_t p = 0; p < k; ++p) acc += static_cast<double>(x[i * k + p]) * static_cast<double>(w[j * k + p]);
      y[i * o + j] = static_cast<T>(acc);
    }
}

template <class T>
void linear_backward_data(std::int64_t n, std::int64_t k, std::int64_t o, const T* dy, const T* w, T* dx) {
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t p = 0; p < k; ++p) {
      double acc = 0;
      for (std::int64_t j = 0; j < o; ++j)
        acc += static_cast<double>(dy[i * o + j]) * static_cast<double>(w[j * k + p]);
      dx[i * k + p] = static_cast<T>(acc);
    }
}

template <class T>
void linear_backward_weights(std::int64_t n, std::int64_t k, std::int64_t o, const T* x, const T* dy, T* dw, T* dbias) {
  for (std::int64_t j = 0; j < o; ++j) {
    for (std::int64_t p = 0; p < k; ++p) {
      double acc = 0;
      for (std::int64_t i = 0; i < n; ++i)
        acc += static_cast<double>(dy[i * o + j]) * static_cast<double>(x[i * k + p]);
      dw[j * k + p] = static_cast<T>(acc);
    }
    if (dbias) {
      double acc = 0;
      for (std::int64_t i = 0; i < n; ++i) acc += static_cast<double>(dy[i * o + j]);
      dbias[j] = static_cast<T>(acc);
    }
  }
}

#define AUTOSPACE_INSTANTIATE(T)                                                                                  \
  template void linear_forward<T>(std::int64_t, std::int64_t, std::int64_t, const T*, const T*, const T*, T*);  \
  template void linear_backward_data<T>(std::int64_t, std::int64_t, std::int64_t, const T*, const T*, T*);      \
  template void linear_backward_weights<T>(std::int64_t, std::int64_t, std::int64_t, const T*, const T*, T*, T*);
AUTOSPACE_INSTANTIATE(float)
AUTOSPACE_INSTANTIATE(double)
#undef AUTOSPACE_INSTANTIATE

}  // namespace autospace::kernels::ref
