#include "kernels/ref/batch_norm.h"

#include <cmath>

namespace autospace::kernels::ref {

template <class T>
void batch_norm_stats(std::int64_t rows, std::int64_t channels, const T* x, T* mean, T* var) {
  for (std::int64_t c = 0; c < channels; ++c) {
    double sum = 0;
    for (std::int64_t r = 0; r < rows; ++r) sum += static_cast<double>(x[r * channels + c]);
    const double m = sum / static_cast<double>(rows);
    double sq = 0;
    for (std::int64_t r = 0; r < rows; ++r) {
      const double d = static_cast<double>(x[r * channels + c]) - m;
      sq += d * d;
    }
    mean[c] = static_cast<T>(m);
    var[c] = static_cast<T>(sq / static_cast<double>(rows));
  }
}

template <class T>
void batch_norm_forward(std::int64_t rows, std::int64_t channels, const T* x, const T* mean, const T* var,
                        const T* gamma, const T* beta, double eps, T* y) {
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t c = 0; c < channels; ++c) {
      const std::int64_t i = r * channels + c;
      const double xhat = (static_cast<double>(x[i]) - static_cast<double>(mean[c])) /
                          std::sqrt(static_cast<double>(var[c]) + eps);
      y[i] = static_cast<T>(static_cast<double>(gamma[c]) * xhat + static_cast<double>(beta[c]));
    }
}

template <class T>
void batch_norm_backward(std::int64_t rows, std::int64_t channels, const T* x, const T* dy, const T* mean,
                         const T* var, const T* gamma, double eps, bool batch_stats, T* dx, T* dgamma, T* dbeta) {
  const double n = static_cast<double>(rows);
  for (std::int64_t c = 0; c < channels; ++c) {
    const double invstd = 1.0 / std::sqrt(static_cast<double>(var[c]) + eps);
    const double m = static_cast<double>(mean[c]);
    double sum_dy = 0, sum_dy_xhat = 0;
    for (std::int64_t r = 0; r < rows; ++r) {
      const std::int64_t i = r * channels + c;
      sum_dy += static_cast<double>(dy[i]);
      sum_dy_xhat += static_cast<double>(dy[i]) * (static_cast<double>(x[i]) - m) * invstd;
    }
    dbeta[c] = static_cast<T>(sum_dy);
    dgamma[c] = static_cast<T>(sum_dy_xhat);
    const double g = static_cast<double>(gamma[c]);
    for (std::int64_t r = 0; r < rows; ++r) {
      const std::int64_t i = r * channels + c;
      const double xhat = (static_cast<double>(x[i]) - m) * invstd;
      const double d = batch_stats ? static_cast<double>(dy[i]) - sum_dy / n - xhat * sum_dy_xhat / n
                                   : static_cast<double>(dy[i]);
      dx[i] = static_cast<T>(g * invstd * d);
    }
  }
}

#define AUTOSPACE_INSTANTIATE(T)                                                                              \
  template void batch_norm_stats<T>(std::int64_t, std::int64_t, const T*, T*, T*);                          \
  template void batch_norm_forward<T>(std::int64_t, std::int64_t, const T*, const T*, const T*, const T*,   \
                                      const T*, double, T*);                                                  \
  template void batch_norm_backward<T>(std::int64_t, std::int64_t, const T*, const T*, const T*, const T*,  \
                                       const T*, double, bool, T*, T*, T*);
AUTOSPACE_INSTANTIATE(float)
AUTOSPACE_INSTANTIATE(double)
#undef AUTOSPACE_INSTANTIATE

}  // namespace autospace::kernels::ref
