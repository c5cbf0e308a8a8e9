#pragma once
#include "engine/tensor.h"

namespace autospace::ops {

// Element-wise a + b of two tensors of the same shape (residual connections, cell sums).
Tensor add(const Tensor& a, const Tensor& b);

}  // namespace autospace::ops
