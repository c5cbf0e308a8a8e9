#pragma once
#include <cstdint>

#include "kernels/common/bf16.h"

namespace autospace::kernels::cpu {

// See kernels/ref/binary_gate.h; the two dot products run as one OpenMP reduction. dy,
// out0 and out1 are of T (float or bf16), the logits and their gradient float.
template <class T>
void binary_gate_backward(std::int64_t n, const T* dy, const T* out0, const T* out1, const float* logit,
                          float* dlogit);

}  // namespace autospace::kernels::cpu
