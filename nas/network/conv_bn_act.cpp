#include "nas/network/conv_bn_act.h"

#include "engine/nn/conv_batch_norm.h"
#include "nas/network/activation.h"

namespace autospace::nas {

ConvBnAct::ConvBnAct(int in_channels, int out_channels, int kernel, int stride, Activation activation,
                     const BatchNormSettings& batch_norm) {
  conv_ = add_module("conv", std::make_shared<nn::Conv2d>(in_channels, out_channels, kernel, stride));
  bn_ = add_module("bn", std::make_shared<nn::BatchNorm2d>(out_channels, static_cast<float>(batch_norm.momentum),
                                                           static_cast<float>(batch_norm.eps),
                                                           engine_activation(activation)));
}

Tensor ConvBnAct::forward(const Tensor& x) { return nn::conv_batch_norm(*conv_, *bn_, x); }

}  // namespace autospace::nas
