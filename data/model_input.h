#pragma once
// A batch as the network's input: the loader's u8 [N, H, W, C] images moved to the device
// and normalised per channel, (x / 255 - mean[c]) / std[c], in f32, then converted to the
// device's activation dtype (bf16 under bf16 precision on the CPU; engine/core/precision.h).
#include <vector>

#include "data/loader.h"

namespace autospace::data {

struct Normalization {
  std::vector<float> mean, stddev;  // one value per channel
};

Tensor model_input(const Batch& batch, const Normalization& normalization, Device device);

}  // namespace autospace::data
