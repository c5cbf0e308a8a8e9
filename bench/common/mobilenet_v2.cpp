#include "bench/common/mobilenet_v2.h"

#include "engine/nn/batch_norm.h"
#include "engine/nn/conv2d.h"
#include "engine/nn/conv_batch_norm.h"
#include "engine/nn/dropout.h"
#include "engine/nn/linear.h"
#include "engine/ops/activation.h"
#include "engine/ops/add.h"
#include "engine/ops/pool.h"
#include "engine/ops/reshape.h"

namespace autospace::bench {

namespace {

// Conv + BN (+ ReLU6 fused into the BN), children "0" and "1" as torchvision's Sequential.
class ConvBn : public nn::Module {
 public:
  ConvBn(std::int64_t in, std::int64_t out, int k, int stride, int groups, bool relu6) {
    conv_ = add_module("0", std::make_shared<nn::Conv2d>(in, out, k, stride, k / 2, groups));
    bn_ = add_module("1", std::make_shared<nn::BatchNorm2d>(
                              out, 0.1f, 1e-5f, relu6 ? ops::Activation::relu6 : ops::Activation::identity));
  }
  Tensor forward(const Tensor& x) override { return nn::conv_batch_norm(*conv_, *bn_, x); }

 private:
  std::shared_ptr<nn::Conv2d> conv_;
  std::shared_ptr<nn::BatchNorm2d> bn_;
};

std::shared_ptr<ConvBn> conv_bn(std::int64_t in, std::int64_t out, int k, int stride, int groups, bool relu6) {
  return std::make_shared<ConvBn>(in, out, k, stride, groups, relu6);
}

class InvertedResidual : public nn::Module {
 public:
  InvertedResidual(std::int64_t in, std::int64_t out, int stride, int expand) : residual_(stride == 1 && in == out) {
    const std::int64_t hidden = in * expand;
    auto body = std::make_shared<nn::Sequential>();
    if (expand != 1) body->append(conv_bn(in, hidden, 1, 1, 1, true));
    body->append(conv_bn(hidden, hidden, 3, stride, static_cast<int>(hidden), true));
    body->append(conv_bn(hidden, out, 1, 1, 1, false));
    body_ = add_module("conv", body);
  }
  Tensor forward(const Tensor& x) override {
    Tensor y = body_->forward(x);
    return residual_ ? ops::add(x, y) : y;
  }

 private:
  bool residual_;
  std::shared_ptr<nn::Sequential> body_;
};

}  // namespace

std::shared_ptr<nn::Sequential> make_mobilenet_v2(const MobileNetV2Config& config) {
  struct Stage {
    int expand, channels, repeats, stride;
  };
  const Stage stages[] = {{1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2},
                          {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
  auto features = std::make_shared<nn::Sequential>();
  features->append(conv_bn(3, 32, 3, config.stem_stride, 1, true));
  std::int64_t in = 32;
  for (const Stage& s : stages)
    for (int i = 0; i < s.repeats; ++i) {
      features->append(std::make_shared<InvertedResidual>(in, s.channels, i == 0 ? s.stride : 1, s.expand));
      in = s.channels;
    }
  features->append(conv_bn(in, 1280, 1, 1, 1, true));

  auto net = std::make_shared<nn::Sequential>();
  net->append("features", features);
  net->append("pool", std::make_shared<nn::Lambda>([](const Tensor& x) {
    return ops::reshape(ops::global_avg_pool(x), {x.dim(0), x.dim(3)});
  }));
  net->append("dropout", std::make_shared<nn::Dropout>(config.dropout, 0));
  net->append("classifier", std::make_shared<nn::Linear>(1280, config.classes, true, nn::Init::normal_001));
  return net;
}

}  // namespace autospace::bench
