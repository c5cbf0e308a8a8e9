#pragma once
#include "engine/tensor.h"

namespace autospace::ops {

// x: [N, K], weight: [O, K], bias: [O] or undefined -> [N, O] = x W^T + b (oneDNN matmul).
// In f32: a bf16 x is converted first (ops::cast, differentiable), and the output is f32.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias);

}  // namespace autospace::ops
