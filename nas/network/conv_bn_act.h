#pragma once
// kxk conv (padding k/2, no bias) + BN + activation with children "conv" and "bn": the
// stem and the head conv of a network.
#include <memory>

#include "engine/nn/batch_norm.h"
#include "engine/nn/conv2d.h"
#include "nas/arch.h"

namespace autospace::nas {

class ConvBnAct : public nn::Module {
 public:
  ConvBnAct(int in_channels, int out_channels, int kernel, int stride, Activation activation,
            const BatchNormSettings& batch_norm);
  Tensor forward(const Tensor& x) override;

 private:
  std::shared_ptr<nn::Conv2d> conv_;
  std::shared_ptr<nn::BatchNorm2d> bn_;  // the activation fused into it
};

}  // namespace autospace::nas
