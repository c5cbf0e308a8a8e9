#pragma once
#include <vector>

#include "engine/tensor.h"

namespace autospace::ops {

// Concatenates along the last (channel) dimension; all other dimensions must agree.
Tensor concat_channels(const std::vector<Tensor>& xs);

}  // namespace autospace::ops
