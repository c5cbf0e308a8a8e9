#pragma once
// torchvision's MobileNetV2 (width 1.0) written with engine modules, for benchmarking the
// engine's training step against PyTorch on the very same network. (The NAS builder
// builds the same network from configs/arch/mobilenet_v2.json for real runs.)
#include <memory>

#include "engine/nn/sequential.h"

namespace autospace::bench {

struct MobileNetV2Config {
  int classes = 1000;
  int stem_stride = 2;  // 1 for 32x32 (CIFAR-size) inputs
  float dropout = 0.2f;
};

std::shared_ptr<nn::Sequential> make_mobilenet_v2(const MobileNetV2Config& config);

}  // namespace autospace::bench
