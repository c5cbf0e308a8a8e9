#pragma once
#include "engine/nn/module.h"
#include "engine/ops/conv2d.h"

namespace autospace::nn {

// NHWC convolution with an OHWI weight [out, k, k, in / groups] and an optional bias.
class Conv2d : public Module {
 public:
  Conv2d(std::int64_t in_channels, std::int64_t out_channels, int kernel, int stride = 1, int padding = -1,
         int groups = 1, bool bias = false);  // padding -1 = kernel / 2
  Tensor forward(const Tensor& x) override;
  const Tensor& weight() const { return weight_; }
  const Tensor& bias() const { return bias_; }
  const ops::Conv2dOptions& options() const { return options_; }

 private:
  Tensor weight_, bias_;
  ops::Conv2dOptions options_;
};

}  // namespace autospace::nn
