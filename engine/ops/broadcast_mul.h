#pragma once
#include "engine/tensor.h"

namespace autospace::ops {

// x: [N, H, W, C] times s: [N, 1, 1, C] broadcast over H and W (squeeze-excite gating).
Tensor broadcast_mul(const Tensor& x, const Tensor& s);

}  // namespace autospace::ops
