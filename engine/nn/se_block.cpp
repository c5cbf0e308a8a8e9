#include "engine/nn/se_block.h"

#include "engine/ops/broadcast_mul.h"
#include "engine/ops/pool.h"

namespace autospace::nn {

SEBlock::SEBlock(std::int64_t channels, std::int64_t reduced_channels, ops::Activation act, ops::Activation gate)
    : act_(act), gate_(gate) {
  reduce_ = add_module("fc1", std::make_shared<Conv2d>(channels, reduced_channels, 1, 1, 0, 1, true));
  expand_ = add_module("fc2", std::make_shared<Conv2d>(reduced_channels, channels, 1, 1, 0, 1, true));
}

Tensor SEBlock::forward(const Tensor& x) {
  Tensor s = ops::global_avg_pool(x);
  s = ops::activation(reduce_->forward(s), act_);
  s = ops::activation(expand_->forward(s), gate_);
  return ops::broadcast_mul(x, s);
}

}  // namespace autospace::nn
