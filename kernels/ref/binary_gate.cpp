#include "kernels/ref/binary_gate.h"

#include <cmath>

namespace autospace::kernels::ref {

template <class T>
void binary_gate_backward(std::int64_t n, const T* dy, const T* out0, const T* out1, const T* logit, T* dlogit) {
  double dg[2] = {0, 0};
  for (std::int64_t i = 0; i < n; ++i) {
    dg[0] += static_cast<double>(dy[i]) * static_cast<double>(out0[i]);
    dg[1] += static_cast<double>(dy[i]) * static_cast<double>(out1[i]);
  }
  const double m = std::max(static_cast<double>(logit[0]), static_cast<double>(logit[1]));
  const double e0 = std::exp(logit[0] - m), e1 = std::exp(logit[1] - m);
  const double q[2] = {e0 / (e0 + e1), e1 / (e0 + e1)};
  for (int i = 0; i < 2; ++i) {
    double s = 0;
    for (int j = 0; j < 2; ++j) s += dg[j] * q[j] * ((i == j ? 1.0 : 0.0) - q[i]);
    dlogit[i] = static_cast<T>(s);
  }
}

template void binary_gate_backward<float>(std::int64_t, const float*, const float*, const float*, const float*, float*);
template void binary_gate_backward<double>(std::int64_t, const double*, const double*, const double*, const double*,
                                           double*);

}  // namespace autospace::kernels::ref
