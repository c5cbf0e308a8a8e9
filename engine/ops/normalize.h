#pragma once
#include <vector>

#include "engine/tensor.h"

namespace autospace::ops {

// The data loader's u8 [N, H, W, C] batch as f32 (x / 255 - mean[c]) / std[c], on the
// batch's device; not differentiable (it is the network's input).
Tensor normalize_image(const Tensor& images, const std::vector<float>& mean, const std::vector<float>& stddev);

}  // namespace autospace::ops
