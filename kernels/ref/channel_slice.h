#pragma once
#include "kernels/common/channel_slice.h"

namespace autospace::kernels::ref {

// y [outer, count, inner] = the first `count` entries of x [outer, extent, inner].
template <class T> void channel_slice(const SliceShape& shape, const T* x, T* y);

}  // namespace autospace::kernels::ref
