#pragma once
#include "kernels/common/bf16.h"
#include "kernels/common/channel_slice.h"

namespace autospace::kernels::cuda {

// Device pointers; the same contracts as kernels/cpu/channel_slice.h.
template <class T> void channel_slice(const SliceShape& shape, const T* x, T* y);
template <class T> void channel_slice_backward(const SliceShape& shape, const T* dy, T* dx);

}  // namespace autospace::kernels::cuda
