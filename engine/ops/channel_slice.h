#pragma once
#include "engine/tensor.h"

namespace autospace::ops {

// The first `count` entries of dimension `axis` (width sharing: a weight bank sliced to a
// cell's width). Along axis 0 the result is a view sharing storage; along any other axis
// it is a contiguous copy. The gradient flows back into the sliced part only (the rest of
// the source's gradient is zero).
Tensor channel_slice(const Tensor& x, int axis, std::int64_t count);

}  // namespace autospace::ops
