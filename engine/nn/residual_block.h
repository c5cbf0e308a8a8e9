#pragma once
#include "engine/nn/batch_norm.h"
#include "engine/nn/conv2d.h"
#include "engine/nn/sequential.h"

namespace autospace::nn {

// ResNet's basic block: relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)) with 3x3
// convolutions (the first carries the stride). The shortcut is the identity when the shape
// is kept, otherwise a strided 1x1 convolution + BN (ResNet's option B).
class ResidualBlock : public Module {
 public:
  ResidualBlock(std::int64_t in_channels, std::int64_t out_channels, int stride = 1);
  Tensor forward(const Tensor& x) override;

 private:
  std::shared_ptr<Conv2d> conv1_, conv2_;
  std::shared_ptr<BatchNorm2d> bn1_, bn2_;
  // The children of "shortcut" (a Sequential, for the parameter names); null: identity.
  std::shared_ptr<Conv2d> shortcut_conv_;
  std::shared_ptr<BatchNorm2d> shortcut_bn_;
};

}  // namespace autospace::nn
