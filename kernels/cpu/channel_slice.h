#pragma once
#include "kernels/common/bf16.h"
#include "kernels/common/channel_slice.h"

namespace autospace::kernels::cpu {

// y [outer, count, inner] = the first `count` entries of x [outer, extent, inner], of T
// (float or bf16).
template <class T> void channel_slice(const SliceShape& shape, const T* x, T* y);

// The gradient: dx [outer, extent, inner] gets dy in its first `count` entries and
// zeros in the rest.
template <class T> void channel_slice_backward(const SliceShape& shape, const T* dy, T* dx);

}  // namespace autospace::kernels::cpu
