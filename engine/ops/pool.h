#pragma once
#include "engine/tensor.h"

namespace autospace::ops {

// [N, H, W, C] -> [N, 1, 1, C], the mean over H and W.
Tensor global_avg_pool(const Tensor& x);
// k x k average pooling with stride and symmetric padding; the divisor counts only the
// in-bounds elements of each window (PyTorch's count_include_pad=False).
Tensor avg_pool2d(const Tensor& x, int kernel, int stride, int padding = 0);

}  // namespace autospace::ops
