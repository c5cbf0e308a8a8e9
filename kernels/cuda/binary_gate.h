#pragma once
#include <cstdint>

#include "kernels/common/bf16.h"

namespace autospace::kernels::cuda {

// The gate gradients of kernels/ref/binary_gate.h on the device: the two dot products
// <dy, out0>, <dy, out1> in double, then dlogits[first] and dlogits[second] from
// logits[first], logits[second]; the other entries of dlogits are left untouched. dy,
// out0 and out1 of T (float or bf16), the logits float.
template <class T>
void binary_gate_backward(std::int64_t n, const T* dy, const T* out0, const T* out1, const float* logits,
                          std::int64_t first, std::int64_t second, float* dlogits);

}  // namespace autospace::kernels::cuda
