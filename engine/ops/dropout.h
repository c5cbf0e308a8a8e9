#pragma once
#include "engine/rng/rng.h"
#include "engine/tensor.h"

namespace autospace::ops {

// Inverted dropout: in training each element is zeroed with probability p (mask drawn
// from `key`'s stream, element i from stream index i) and the rest scaled by 1/(1-p).
// Identity when !training or p == 0. x: f32 or bf16 (the output of x's dtype).
Tensor dropout(const Tensor& x, float p, bool training, const RngKey& key);

}  // namespace autospace::ops
