#pragma once
#include <vector>

#include "engine/tensor.h"

namespace autospace::ops {

// How many elements of the f32 tensors (undefined ones skipped) are NaN or infinite: an
// i64 [1] tensor on their common device, computed there with nothing read back. No
// gradient.
Tensor count_nonfinite(const std::vector<Tensor>& tensors);

}  // namespace autospace::ops
