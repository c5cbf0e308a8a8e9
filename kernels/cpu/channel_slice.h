#pragma once
#include "kernels/common/channel_slice.h"

namespace autospace::kernels::cpu {

// y [outer, count, inner] = the first `count` entries of x [outer, extent, inner].
void channel_slice(const SliceShape& shape, const float* x, float* y);

// The gradient: dx [outer, extent, inner] gets dy in its first `count` entries and
// zeros in the rest.
void channel_slice_backward(const SliceShape& shape, const float* dy, float* dx);

}  // namespace autospace::kernels::cpu
