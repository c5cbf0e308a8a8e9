#pragma once
#include "engine/tensor.h"

namespace autospace::ops {

// x: [N, H, W, C] times s: [N, 1, 1, C] broadcast over H and W (squeeze-excite gating);
// x and s of one dtype, f32 or bf16.
Tensor broadcast_mul(const Tensor& x, const Tensor& s);

}  // namespace autospace::ops
