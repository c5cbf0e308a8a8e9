#include "kernels/cpu/binary_gate.h"

#include <algorithm>
#include <cmath>

namespace autospace::kernels::cpu {

template <class T>
void binary_gate_backward(std::int64_t n, const T* dy, const T* out0, const T* out1, const float* logit,
                          float* dlogit) {
  double dg0 = 0, dg1 = 0;
#pragma omp parallel for reduction(+ : dg0, dg1) schedule(static) if (n > 65536)
  for (std::int64_t i = 0; i < n; ++i) {
    dg0 += static_cast<double>(to_float(dy[i])) * to_float(out0[i]);
    dg1 += static_cast<double>(to_float(dy[i])) * to_float(out1[i]);
  }
  const double m = std::max(logit[0], logit[1]);
  const double e0 = std::exp(logit[0] - m), e1 = std::exp(logit[1] - m);
  const double q0 = e0 / (e0 + e1), q1 = e1 / (e0 + e1);
  // sum_j dg_j q_j (delta_ij - q_i) for the pair: both entries reduce to +-q0 q1 (dg0 - dg1).
  const double d = q0 * q1 * (dg0 - dg1);
  dlogit[0] = static_cast<float>(d);
  dlogit[1] = static_cast<float>(-d);
}

template void binary_gate_backward<float>(std::int64_t, const float*, const float*, const float*, const float*,
                                          float*);
template void binary_gate_backward<bf16>(std::int64_t, const bf16*, const bf16*, const bf16*, const float*, float*);

}  // namespace autospace::kernels::cpu
