#pragma once
#include "engine/tensor.h"

namespace autospace::ops {

// x converted between f32 and bf16 (round to nearest even on the way down; the same on
// every device); differentiable, the gradient converted back to x's dtype. The boundary of
// bf16 activations: the network input goes down, the logits come back up to f32 for the
// loss. Returns x itself when it already has that dtype.
Tensor cast(const Tensor& x, DType dtype);

}  // namespace autospace::ops
