// The folded evaluation convolution (ops::conv_batch_norm_folded) against the chain of
// reference kernels it replaces: conv2d, eval-mode batch norm, activation, all in double.
// It records no gradient (inference only, and it refuses grad mode), so there is no
// finite-difference check here: the pair's training path keeps conv2d's and batch_norm's,
// whose checks are in test_conv2d.cpp and test_batch_norm.cpp.
#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "engine/autograd/node.h"
#include "engine/nn/conv_batch_norm.h"
#include "engine/nn/residual_block.h"
#include "engine/ops/conv_bn_fold.h"
#include "kernels/ref/activation.h"
#include "kernels/ref/batch_norm.h"
#include "kernels/ref/conv2d.h"
#include "tests/support/test_support.h"

using namespace autospace;

namespace {

struct FoldCase {
  kernels::Conv2dShape s;
  bool bias;
};

kernels::Conv2dShape shape(std::int64_t n, std::int64_t hw, std::int64_t cin, std::int64_t cout, std::int64_t k,
                           std::int64_t stride, std::int64_t groups) {
  return {.n = n, .in_h = hw, .in_w = hw + 2, .in_c = cin, .out_c = cout, .kernel_h = k, .kernel_w = k,
          .stride = stride, .pad = k / 2, .groups = groups};
}

// Dense 1x1 and kxk, depthwise at strides 1 and 2, grouped; odd sizes and channel counts
// off oneDNN's 8-wide blocks.
const std::vector<FoldCase> kFoldCases = {
    {shape(2, 7, 5, 13, 1, 1, 1), false},  {shape(1, 9, 6, 9, 3, 2, 1), true},  {shape(3, 6, 13, 13, 3, 1, 13), false},
    {shape(2, 9, 16, 16, 5, 2, 16), true}, {shape(1, 7, 6, 9, 3, 1, 3), false}, {shape(2, 8, 24, 40, 1, 1, 1), true},
};

const ops::Activation kActivations[] = {ops::Activation::identity, ops::Activation::relu,    ops::Activation::relu6,
                                        ops::Activation::swish,    ops::Activation::hswish,  ops::Activation::sigmoid,
                                        ops::Activation::hsigmoid};

struct FoldInputs {
  Tensor x, w, b;
  ops::FoldedBatchNorm bn;
};

// Wide gamma and beta put the outputs on every piece of the piecewise activations.
FoldInputs make_inputs(const FoldCase& c, ops::Activation a, std::uint64_t seed) {
  const auto& s = c.s;
  FoldInputs in{test::random_tensor({s.n, s.in_h, s.in_w, s.in_c}, seed),
                test::random_tensor({s.out_c, s.kernel_h, s.kernel_w, s.in_c / s.groups}, seed + 1),
                c.bias ? test::random_tensor({s.out_c}, seed + 2) : Tensor(),
                {test::random_tensor({s.out_c}, seed + 3, 0.5f, 4.f), test::random_tensor({s.out_c}, seed + 4, -3.f, 3.f),
                 test::random_tensor({s.out_c}, seed + 5, -1.f, 1.f),
                 test::random_tensor({s.out_c}, seed + 6, 0.05f, 2.f), 1e-3f, a}};
  return in;
}

ops::Conv2dOptions options(const kernels::Conv2dShape& s) {
  return {static_cast<int>(s.stride), static_cast<int>(s.pad), static_cast<int>(s.groups)};
}

std::vector<double> reference(const FoldCase& c, const FoldInputs& in) {
  const auto& s = c.s;
  const std::int64_t rows = s.n * s.out_h() * s.out_w();
  std::vector<double> conv(static_cast<std::size_t>(rows * s.out_c)), bn(conv.size()), y(conv.size());
  const std::vector<double> x = test::to_double(in.x), w = test::to_double(in.w);
  const std::vector<double> b = c.bias ? test::to_double(in.b) : std::vector<double>();
  kernels::ref::conv2d_forward<double>(s, x.data(), w.data(), c.bias ? b.data() : nullptr, conv.data());
  const std::vector<double> gamma = test::to_double(in.bn.gamma), beta = test::to_double(in.bn.beta);
  const std::vector<double> mean = test::to_double(in.bn.running_mean), var = test::to_double(in.bn.running_var);
  kernels::ref::batch_norm_forward<double>(rows, s.out_c, conv.data(), mean.data(), var.data(), gamma.data(),
                                           beta.data(), in.bn.eps, bn.data());
  kernels::ref::activation<double>(ops::kernel_activation(in.bn.activation), static_cast<std::int64_t>(bn.size()),
                                   bn.data(), y.data());
  return y;
}

std::string describe(const FoldCase& c, ops::Activation a) {
  const auto& s = c.s;
  return "N" + std::to_string(s.n) + " " + std::to_string(s.in_h) + "x" + std::to_string(s.in_w) + "x" +
         std::to_string(s.in_c) + " -> " + std::to_string(s.out_c) + " k" + std::to_string(s.kernel_h) + " s" +
         std::to_string(s.stride) + " g" + std::to_string(s.groups) + (c.bias ? " bias " : " ") +
         ops::activation_name(a);
}

double max_abs(const Tensor& a) {
  double m = 0;
  for (double v : test::to_double(a)) m = std::max(m, std::abs(v));
  return m;
}

double max_abs_difference(const Tensor& a, const Tensor& b) {
  const std::vector<double> x = test::to_double(a), y = test::to_double(b);
  REQUIRE(x.size() == y.size());
  double worst = 0;
  for (std::size_t i = 0; i < x.size(); ++i) worst = std::max(worst, std::abs(x[i] - y[i]));
  return worst;
}

// BN running statistics moved off their initial 0 / 1, and gamma, beta off 1 / 0, so that
// folding them changes the weights.
void give_statistics(nn::Module& m, std::uint64_t seed) {
  for (auto& [name, t] : m.named_parameters()) {
    if (name.find("bn") == std::string::npos) continue;
    const Tensor r = test::random_tensor(t.shape(), seed++, 0.5f, 1.5f);
    std::copy_n(r.data<float>(), t.numel(), t.data<float>());
  }
  m.train();
  for (int i = 0; i < 3; ++i) m.forward(test::random_tensor({4, 9, 9, 6}, seed + 100 + i, -1.f, 2.f));
}

}  // namespace

TEST_CASE("conv_batch_norm_folded matches conv then eval batch norm then the activation", "[ops][conv_bn_fold]") {
  NoGradGuard no_grad;
  std::uint64_t seed = 300;
  int folded = 0;
  for (const FoldCase& c : kFoldCases) folded += ops::folding_pays(c.s);
  // All but the strided dense case fold; that one (its output smaller than twice its
  // weights) takes the unfolded path, which must agree as well.
  REQUIRE(folded == static_cast<int>(kFoldCases.size()) - 1);
  REQUIRE_FALSE(ops::folding_pays(kFoldCases[1].s));
  for (const FoldCase& c : kFoldCases)
    for (ops::Activation a : kActivations) {
      INFO(describe(c, a));
      const FoldInputs in = make_inputs(c, a, seed += 10);
      const Tensor y = ops::conv_batch_norm_folded(in.x, in.w, in.b, options(c.s), in.bn);
      REQUIRE(y.shape() == Shape{c.s.n, c.s.out_h(), c.s.out_w(), c.s.out_c});
      CHECK(test::relative_l2(test::to_double(y), reference(c, in)) < 1e-5);
    }
}

TEST_CASE("conv_batch_norm_folded refuses grad mode and bad batch-norm tensors", "[ops][conv_bn_fold]") {
  const FoldCase& c = kFoldCases[1];
  FoldInputs in = make_inputs(c, ops::Activation::relu, 7);
  CHECK_THROWS_WITH(ops::conv_batch_norm_folded(in.x, in.w, in.b, options(c.s), in.bn),
                    Catch::Contains("inference only") && Catch::Contains("NoGradGuard"));
  NoGradGuard no_grad;
  in.bn.running_var = test::random_tensor({c.s.out_c + 1}, 8, 0.5f, 1.f);
  CHECK_THROWS_WITH(ops::conv_batch_norm_folded(in.x, in.w, in.b, options(c.s), in.bn),
                    Catch::Contains("running_var has 10 elements") && Catch::Contains("Cout = 9"));
  in.bn.running_var = Tensor();
  CHECK_THROWS_WITH(ops::conv_batch_norm_folded(in.x, in.w, in.b, options(c.s), in.bn),
                    Catch::Contains("conv_batch_norm_folded") && Catch::Contains("running_var"));
  in = make_inputs(c, ops::Activation::relu, 9);
  CHECK_THROWS_WITH(ops::conv_batch_norm_folded(in.x, test::random_tensor({9, 3, 3, 5}, 10), in.b, options(c.s), in.bn),
                    Catch::Contains("conv2d") && Catch::Contains("input channels"));
}

// nn::conv_batch_norm folds only where nothing can tell: eval mode with grad mode off.
// Training keeps the BN batch statistics and their update; eval with grad mode on keeps
// the graph, so gradients still flow.
TEST_CASE("conv_batch_norm folds only in eval mode with grad mode off", "[nn][conv_bn_fold]") {
  nn::Conv2d conv(6, 10, 3, 2);
  nn::BatchNorm2d bn(10, 0.1f, 1e-5f, ops::Activation::hswish);
  conv.initialize(3);
  for (Tensor t : {bn.gamma(), bn.beta()}) {
    const Tensor r = test::random_tensor(t.shape(), 4, 0.5f, 2.f);
    std::copy_n(r.data<float>(), t.numel(), t.data<float>());
  }
  const Tensor x = test::random_tensor({8, 9, 9, 6}, 5, -1.f, 2.f);
  REQUIRE(ops::folding_pays(ops::checked_conv2d_shape(x, conv.weight(), conv.bias(), conv.options())));

  const std::vector<float> mean_before = bn.running_mean().to_vector();
  const Tensor trained = nn::conv_batch_norm(conv, bn, x);
  CHECK(trained.requires_grad());
  CHECK(bn.running_mean().to_vector() != mean_before);

  bn.eval();
  const Tensor eval_with_grad = nn::conv_batch_norm(conv, bn, x);
  REQUIRE(eval_with_grad.requires_grad());
  eval_with_grad.backward(test::random_tensor(eval_with_grad.shape(), 6));
  CHECK(conv.weight().grad().defined());

  NoGradGuard no_grad;
  const Tensor folded = nn::conv_batch_norm(conv, bn, x);
  CHECK_FALSE(folded.requires_grad());
  const Tensor unfolded = bn.forward(conv.forward(x));
  CHECK(max_abs_difference(folded, unfolded) < 1e-5 * (1 + max_abs(unfolded)));
  const ops::ConvBatchNormFolding off(false);
  CHECK(nn::conv_batch_norm(conv, bn, x).to_vector() == unfolded.to_vector());
}

TEST_CASE("a residual block evaluates alike folded and unfolded", "[nn][conv_bn_fold]") {
  nn::ResidualBlock block(6, 12, 2);
  block.initialize(11);
  give_statistics(block, 12);
  block.eval();
  NoGradGuard no_grad;
  const Tensor x = test::random_tensor({8, 16, 16, 6}, 13, -1.f, 2.f);  // every convolution folds
  const Tensor folded = block.forward(x);
  const ops::ConvBatchNormFolding off(false);
  const Tensor unfolded = block.forward(x);
  CHECK(test::relative_l2(test::to_double(folded), test::to_double(unfolded)) < 1e-5);
}
