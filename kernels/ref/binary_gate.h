#pragma once
#include <cstdint>

namespace autospace::kernels::ref {

// Gate gradients of a sampled pair: dg[j] = <dy, out_j> for j = 0, 1, then the pair's
// logit gradients dlogit[i] = sum_j dg[j] q[j] (delta_ij - q[i]) with q = softmax(logit[0..1]).
template <class T>
void binary_gate_backward(std::int64_t n, const T* dy, const T* out0, const T* out1, const T* logit, T* dlogit);

}  // namespace autospace::kernels::ref
