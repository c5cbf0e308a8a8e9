#pragma once
#include "engine/nn/conv2d.h"
#include "engine/ops/activation.h"

namespace autospace::nn {

// Squeeze-and-excite: x * gate(expand(act(reduce(global_avg_pool(x))))), the two 1x1
// convolutions with bias (EfficientNet: act = swish, gate = sigmoid; MobileNetV3: relu / hsigmoid).
class SEBlock : public Module {
 public:
  SEBlock(std::int64_t channels, std::int64_t reduced_channels, ops::Activation act = ops::Activation::swish,
          ops::Activation gate = ops::Activation::sigmoid);
  Tensor forward(const Tensor& x) override;

 private:
  std::shared_ptr<Conv2d> reduce_, expand_;
  ops::Activation act_, gate_;
};

}  // namespace autospace::nn
