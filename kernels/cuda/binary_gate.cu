#include "kernels/cuda/binary_gate.h"

#include "kernels/cuda/reduce.cuh"

namespace autospace::kernels::cuda {

template <class T>
void binary_gate_backward(std::int64_t n, const T* dy, const T* out0, const T* out1, const float* logits,
                          std::int64_t first, std::int64_t second, float* dlogits) {
  flat_reduce<2>(
      n,
      [=] __device__(std::int64_t i, double* acc) {
        acc[0] += static_cast<double>(to_float(dy[i])) * to_float(out0[i]);
        acc[1] += static_cast<double>(to_float(dy[i])) * to_float(out1[i]);
      },
      [=] __device__(const double* dg) {
        const double l0 = logits[first], l1 = logits[second];
        const double m = l0 > l1 ? l0 : l1;
        const double e0 = exp(l0 - m), e1 = exp(l1 - m);
        const double q0 = e0 / (e0 + e1), q1 = e1 / (e0 + e1);
        // sum_j dg_j q_j (delta_ij - q_i) over the pair: both entries are +-q0 q1 (dg0 - dg1).
        const double d = q0 * q1 * (dg[0] - dg[1]);
        dlogits[first] = static_cast<float>(d);
        dlogits[second] = static_cast<float>(-d);
      });
}

template void binary_gate_backward<float>(std::int64_t, const float*, const float*, const float*, const float*,
                                          std::int64_t, std::int64_t, float*);
template void binary_gate_backward<bf16>(std::int64_t, const bf16*, const bf16*, const bf16*, const float*,
                                         std::int64_t, std::int64_t, float*);

}  // namespace autospace::kernels::cuda
