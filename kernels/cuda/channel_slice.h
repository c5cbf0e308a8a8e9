#pragma once
#include "kernels/common/channel_slice.h"

namespace autospace::kernels::cuda {

// Device pointers; the same contracts as kernels/cpu/channel_slice.h.
void channel_slice(const SliceShape& shape, const float* x, float* y);
void channel_slice_backward(const SliceShape& shape, const float* dy, float* dx);

}  // namespace autospace::kernels::cuda
