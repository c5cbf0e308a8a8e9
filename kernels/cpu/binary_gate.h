#pragma once
#include <cstdint>

namespace autospace::kernels::cpu {

// See kernels/ref/binary_gate.h; the two dot products run as one OpenMP reduction.
void binary_gate_backward(std::int64_t n, const float* dy, const float* out0, const float* out1, const float* logit,
                          float* dlogit);

}  // namespace autospace::kernels::cpu
