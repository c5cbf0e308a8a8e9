#include "engine/nn/residual_block.h"

#include "engine/nn/conv_batch_norm.h"
#include "engine/ops/activation.h"
#include "engine/ops/add.h"
#include "kernels/common/check.h"

namespace autospace::nn {

ResidualBlock::ResidualBlock(std::int64_t in_channels, std::int64_t out_channels, int stride) {
  AUTOSPACE_CHECK(in_channels >= 1 && out_channels >= 1 && stride >= 1, "ResidualBlock: ", in_channels, " -> ",
                  out_channels, " channels, stride ", stride);
  conv1_ = add_module("conv1", std::make_shared<Conv2d>(in_channels, out_channels, 3, stride));
  bn1_ = add_module("bn1", std::make_shared<BatchNorm2d>(out_channels, 0.1f, 1e-5f, ops::Activation::relu));
  conv2_ = add_module("conv2", std::make_shared<Conv2d>(out_channels, out_channels, 3));
  bn2_ = add_module("bn2", std::make_shared<BatchNorm2d>(out_channels));
  if (stride != 1 || in_channels != out_channels) {
    auto shortcut = add_module("shortcut", std::make_shared<Sequential>());
    shortcut_conv_ = shortcut->append("conv", std::make_shared<Conv2d>(in_channels, out_channels, 1, stride, 0));
    shortcut_bn_ = shortcut->append("bn", std::make_shared<BatchNorm2d>(out_channels));
  }
}

Tensor ResidualBlock::forward(const Tensor& x) {
  const Tensor y = conv_batch_norm(*conv2_, *bn2_, conv_batch_norm(*conv1_, *bn1_, x));
  return ops::relu(ops::add(y, shortcut_conv_ ? conv_batch_norm(*shortcut_conv_, *shortcut_bn_, x) : x));
}

}  // namespace autospace::nn
