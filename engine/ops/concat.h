#pragma once
#include <vector>

#include "engine/tensor.h"

namespace autospace::ops {

// Concatenates along the last (channel) dimension; all other dimensions must agree.
Tensor concat_channels(const std::vector<Tensor>& xs);

// The f32 values of several tensors of one device, each as its own vector, read with one
// copy to the host (the tensors concatenated there first): on a GPU every copy to the host
// waits for the queued work, so small tensors read one by one cost a wait each. No autograd.
std::vector<std::vector<float>> values_on_host(const std::vector<Tensor>& tensors);

}  // namespace autospace::ops
