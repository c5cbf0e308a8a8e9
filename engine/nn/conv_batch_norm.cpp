#include "engine/nn/conv_batch_norm.h"

namespace autospace::nn {

Tensor conv_batch_norm(Conv2d& conv, BatchNorm2d& bn, const Tensor& x) {
  if (ops::fold_conv_batch_norm(bn.is_training()))
    return ops::conv_batch_norm_folded(x, conv.weight(), conv.bias(), conv.options(), bn.folded());
  return bn.forward(conv.forward(x));
}

}  // namespace autospace::nn
