#include "engine/nn/conv2d.h"

#include "kernels/common/check.h"

namespace autospace::nn {

Conv2d::Conv2d(std::int64_t in_channels, std::int64_t out_channels, int kernel, int stride, int padding, int groups,
               bool bias) {
  AUTOSPACE_CHECK(groups >= 1 && in_channels % groups == 0 && out_channels % groups == 0, "Conv2d: ", in_channels,
                  " -> ", out_channels, " channels cannot be split into ", groups, " groups");
  options_ = {stride, padding < 0 ? kernel / 2 : padding, groups};
  weight_ = register_parameter("weight", {out_channels, kernel, kernel, in_channels / groups}, Init::kaiming_normal_fan_out);
  if (bias) bias_ = register_parameter("bias", {out_channels}, Init::zeros);
}

Tensor Conv2d::forward(const Tensor& x) { return ops::conv2d(x, weight_, bias_, options_); }

}  // namespace autospace::nn
