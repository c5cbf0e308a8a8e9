#pragma once
#include "engine/tensor.h"

namespace autospace::ops {

// x: [N, K], weight: [O, K], bias: [O] or undefined -> [N, O] = x W^T + b (oneDNN matmul).
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias);

}  // namespace autospace::ops
