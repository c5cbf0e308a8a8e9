#pragma once
#include "engine/tensor.h"

namespace autospace::ops {

// Element-wise a + b of two tensors of the same shape and float dtype (f32 or bf16, added
// in float; residual connections, cell sums).
Tensor add(const Tensor& a, const Tensor& b);
// target += addend, in target's storage, unrecorded: a gradient accumulated where it lies
// (a view into a data-parallel gradient bucket).
void add_in_place(const Tensor& target, const Tensor& addend);

}  // namespace autospace::ops
