// bf16 activations (engine/ops/cast.h, the ops' FloatKernelTables): an op on bf16 inputs
// reads them into float, computes exactly what its f32 kernel computes, and rounds the
// result once. So on bf16-representable inputs its output is, bit for bit, the f32 op's
// output rounded to bf16, forward and backward; gradients have their tensor's dtype (bf16
// activations, f32 parameters). The rounding itself is checked in test_tensor.cpp.
#include <catch2/catch.hpp>

#include <functional>
#include <string>
#include <vector>

#include "engine/autograd/node.h"
#include "engine/ops/activation.h"
#include "engine/ops/add.h"
#include "engine/ops/batch_norm.h"
#include "engine/ops/broadcast_mul.h"
#include "engine/ops/cast.h"
#include "engine/ops/channel_slice.h"
#include "engine/ops/concat.h"
#include "engine/ops/conv2d.h"
#include "engine/ops/dropout.h"
#include "engine/ops/pool.h"
#include "engine/rng/rng.h"
#include "kernels/cpu/activation.h"
#include "tests/support/test_support.h"

using namespace autospace;

namespace {

// A random tensor of bf16-representable values, as f32 (the reference's input) and as bf16.
struct Pair {
  Tensor f32, bf16;
};

Pair random_pair(const Shape& shape, std::uint64_t seed, float lo = -1.f, float hi = 1.f) {
  const Tensor b = test::random_tensor(shape, seed, lo, hi).to(DType::bf16);
  Pair p{b.to(DType::f32), b};
  p.f32.set_requires_grad(true);
  p.bf16.set_requires_grad(true);
  return p;
}

// `got` (bf16) holds exactly the bf16 rounding of every element of `want` (f32).
void require_rounded(const Tensor& got, const Tensor& want, const std::string& what) {
  INFO(what);
  REQUIRE(got.dtype() == DType::bf16);
  REQUIRE(want.dtype() == DType::f32);
  REQUIRE(got.shape() == want.shape());
  const Tensor rounded = want.to(DType::bf16);
  const std::uint16_t* g = reinterpret_cast<const std::uint16_t*>(got.data<kernels::bf16>());
  const std::uint16_t* w = reinterpret_cast<const std::uint16_t*>(rounded.data<kernels::bf16>());
  std::int64_t mismatches = 0;
  for (std::int64_t i = 0; i < got.numel(); ++i) mismatches += g[i] != w[i];
  CHECK(mismatches == 0);
}

using Op = std::function<Tensor(const std::vector<Tensor>&)>;

// Runs op on the f32 and the bf16 tensors of `inputs`; the bf16 output and every bf16
// gradient must be the f32 ones rounded, with the same bf16-representable output gradient.
void require_rounded_op(const std::string& what, const std::vector<Pair>& inputs, const Op& op) {
  std::vector<Tensor> f32, bf16;
  for (const Pair& p : inputs) {
    p.f32.clear_grad();
    p.bf16.clear_grad();
    f32.push_back(p.f32);
    bf16.push_back(p.bf16);
  }
  const Tensor want = op(f32), got = op(bf16);
  require_rounded(got, want, what + " forward");
  const Tensor seed = test::random_tensor(want.shape(), 99).to(DType::bf16);
  want.backward(seed.to(DType::f32));
  got.backward(seed);
  for (std::size_t k = 0; k < inputs.size(); ++k)
    require_rounded(bf16[k].grad(), f32[k].grad(), what + " d/input" + std::to_string(k));
}

}  // namespace

TEST_CASE("bf16 add and activations are their f32 results rounded once", "[ops][bf16]") {
  for (const Shape& s : {Shape{1, 1, 1, 1}, Shape{2, 5, 3, 7}, Shape{3, 70000}}) {
    require_rounded_op("add " + shape_str(s), {random_pair(s, 1), random_pair(s, 2)},
                       [](const std::vector<Tensor>& t) { return ops::add(t[0], t[1]); });
    for (ops::Activation a : {ops::Activation::relu, ops::Activation::relu6, ops::Activation::swish,
                              ops::Activation::hswish, ops::Activation::hsigmoid})
      require_rounded_op(std::string(ops::activation_name(a)) + " " + shape_str(s), {random_pair(s, 3, -8.f, 8.f)},
                         [a](const std::vector<Tensor>& t) { return ops::activation(t[0], a); });
    // The sigmoid's derivative comes from its output, which in bf16 is the rounded one:
    // dx is the f32 kernel's at that output, rounded.
    const Pair x = random_pair(s, 3, -8.f, 8.f);
    const Tensor y = ops::sigmoid(x.bf16);
    require_rounded(y, ops::sigmoid(x.f32), "sigmoid " + shape_str(s) + " forward");
    const Tensor seed = test::random_tensor(s, 98).to(DType::bf16);
    y.backward(seed);
    const Tensor y32 = y.to(DType::f32), seed32 = seed.to(DType::f32), want = Tensor::empty(s);
    kernels::cpu::activation_backward<float>(kernels::ActivationKind::sigmoid, y32.numel(), nullptr,
                                             y32.data<float>(), seed32.data<float>(), want.data<float>());
    require_rounded(x.bf16.grad(), want, "sigmoid " + shape_str(s) + " backward");
  }
}

TEST_CASE("bf16 pooling, dropout, squeeze-excite gating, concat and slices are their f32 results rounded once",
          "[ops][bf16]") {
  const Shape s{3, 9, 7, 13};
  require_rounded_op("global_avg_pool", {random_pair(s, 30)},
                     [](const std::vector<Tensor>& t) { return ops::global_avg_pool(t[0]); });
  require_rounded_op("avg_pool2d", {random_pair(s, 31)},
                     [](const std::vector<Tensor>& t) { return ops::avg_pool2d(t[0], 3, 2, 1); });
  const RngKey key{42, RngPurpose::dropout, 3, 7};
  require_rounded_op("dropout", {random_pair(s, 32)},
                     [&](const std::vector<Tensor>& t) { return ops::dropout(t[0], 0.3f, true, key); });
  require_rounded_op("broadcast_mul", {random_pair(s, 33), random_pair({3, 1, 1, 13}, 34)},
                     [](const std::vector<Tensor>& t) { return ops::broadcast_mul(t[0], t[1]); });
  require_rounded_op("concat_channels", {random_pair(s, 35), random_pair({3, 9, 7, 5}, 36)},
                     [](const std::vector<Tensor>& t) { return ops::concat_channels({t[0], t[1]}); });
  require_rounded_op("channel_slice", {random_pair(s, 37)},
                     [](const std::vector<Tensor>& t) { return ops::channel_slice(t[0], 3, 6); });
}

TEST_CASE("bf16 batch norm is the f32 one rounded once, statistics and parameter gradients in f32", "[ops][bf16]") {
  for (const Shape& s : {Shape{1, 7, 5, 3}, Shape{4, 9, 9, 13}, Shape{2, 33}, Shape{8, 16, 16, 40}}) {
    const std::int64_t c = s.back();
    for (bool training : {true, false}) {
      for (ops::Activation a : {ops::Activation::identity, ops::Activation::relu6, ops::Activation::hswish}) {
        const std::string what = std::string("batch_norm ") + (training ? "train " : "eval ") +
                                 ops::activation_name(a) + " " + shape_str(s);
        INFO(what);
        // Offset inputs exercise the shifted sums of the statistics.
        const Pair x = random_pair(s, 4, 3.f, 5.f);
        Tensor gamma = test::random_tensor({c}, 5, 0.5f, 2.f).set_requires_grad(true);
        Tensor beta = test::random_tensor({c}, 6).set_requires_grad(true);
        const Tensor mean_f32 = test::random_tensor({c}, 7, 3.f, 5.f), var_f32 = test::random_tensor({c}, 8, 0.5f, 2.f);
        const Tensor mean_bf16 = mean_f32.clone(), var_bf16 = var_f32.clone();
        const auto run = [&](const Tensor& input, const Tensor& mean, const Tensor& var) {
          ops::BatchNormOptions o;
          o.training = training;
          o.activation = a;
          return ops::batch_norm(input, gamma, beta, mean, var, o);
        };
        gamma.clear_grad();
        beta.clear_grad();
        const Tensor want = run(x.f32, mean_f32, var_f32);
        const Tensor seed = test::random_tensor(s, 9).to(DType::bf16);
        want.backward(seed.to(DType::f32));
        const std::vector<float> dgamma = gamma.grad().to_vector(), dbeta = beta.grad().to_vector();
        gamma.clear_grad();
        beta.clear_grad();
        const Tensor got = run(x.bf16, mean_bf16, var_bf16);
        got.backward(seed);
        require_rounded(got, want, what + " forward");
        require_rounded(x.bf16.grad(), x.f32.grad(), what + " dx");
        REQUIRE(gamma.grad().dtype() == DType::f32);
        CHECK(gamma.grad().to_vector() == dgamma);
        CHECK(beta.grad().to_vector() == dbeta);
        CHECK(mean_bf16.to_vector() == mean_f32.to_vector());
        CHECK(var_bf16.to_vector() == var_f32.to_vector());
      }
    }
  }
}

TEST_CASE("bf16 convolutions match f32 ones on the same rounded values", "[ops][bf16]") {
  // oneDNN's bf16 kernels take the weights rounded to bf16 and accumulate in f32, so the
  // f32 reference runs on rounded weights too. Products of two bf16 values are exact in
  // f32: the outputs differ from the reference by the order of the sums and the output's
  // rounding (2^-9 relative), the weight and bias gradients (f32) by the order alone.
  struct Case {
    std::int64_t n, h, w, cin, cout, k, stride, pad, groups;
  };
  for (const Case& c : {Case{2, 9, 9, 5, 8, 3, 1, 1, 1}, Case{3, 8, 8, 16, 24, 1, 1, 0, 1},
                        Case{2, 9, 7, 12, 12, 3, 2, 1, 12}, Case{1, 7, 7, 8, 8, 5, 1, 2, 8},
                        Case{2, 6, 6, 8, 16, 3, 1, 1, 4},
                        // Over 4096 output positions: oneDNN's own bf16 weight gradient
                        // (kernels/cpu/conv2d.cpp), below it and for large grouped kernels
                        // the widened f32 one.
                        Case{8, 24, 24, 8, 16, 3, 1, 1, 1}, Case{8, 24, 24, 16, 16, 3, 1, 1, 16},
                        Case{8, 24, 24, 16, 24, 1, 1, 0, 1}, Case{8, 24, 24, 16, 16, 5, 1, 2, 16}}) {
    const ops::Conv2dOptions o{static_cast<int>(c.stride), static_cast<int>(c.pad), static_cast<int>(c.groups)};
    const std::string what = "conv " + std::to_string(c.h) + "x" + std::to_string(c.w) + "x" + std::to_string(c.cin) +
                             "->" + std::to_string(c.cout) + " k" + std::to_string(c.k) + " s" +
                             std::to_string(c.stride) + " g" + std::to_string(c.groups);
    INFO(what);
    const Pair x = random_pair({c.n, c.h, c.w, c.cin}, 20);
    Tensor w = test::random_tensor({c.cout, c.k, c.k, c.cin / c.groups}, 21).to(DType::bf16).to(DType::f32);
    Tensor b = test::random_tensor({c.cout}, 22);
    w.set_requires_grad(true);
    b.set_requires_grad(true);
    const auto run = [&](const Tensor& input) {
      w.clear_grad();
      b.clear_grad();
      const Tensor y = ops::conv2d(input, w, b, o);
      y.backward(test::random_tensor(y.shape(), 23).to(DType::bf16).to(y.dtype()));
      return std::vector<std::vector<double>>{test::to_double(y), test::to_double(input.grad()),
                                              test::to_double(w.grad()), test::to_double(b.grad())};
    };
    const auto want = run(x.f32);
    const auto got = run(x.bf16);
    REQUIRE(x.bf16.grad().dtype() == DType::bf16);
    REQUIRE(w.grad().dtype() == DType::f32);
    CHECK(test::relative_l2(got[0], want[0]) < 4e-3);
    CHECK(test::relative_l2(got[1], want[1]) < 4e-3);
    CHECK(test::relative_l2(got[2], want[2]) < 1e-4);
    CHECK(test::relative_l2(got[3], want[3]) < 1e-4);
  }
}

TEST_CASE("cast moves activations between f32 and bf16 and its gradient back", "[ops][bf16]") {
  Tensor x = test::random_tensor({2, 3, 4, 5}, 10).set_requires_grad(true);
  const Tensor down = ops::cast(x, DType::bf16);
  CHECK(down.dtype() == DType::bf16);
  CHECK(ops::cast(down, DType::bf16).is_same(down));
  // Down then up is the rounding; the gradient of a bf16 seed comes back exactly as f32.
  const Tensor up = ops::cast(down, DType::f32);
  const std::vector<float> xs = x.to_vector(), ys = up.to_vector();
  for (std::size_t i = 0; i < xs.size(); ++i) REQUIRE(ys[i] == bf16_to_float(float_to_bf16(xs[i])));
  const Tensor seed = test::random_tensor(up.shape(), 11).to(DType::bf16).to(DType::f32);
  up.backward(seed);
  REQUIRE(x.grad().dtype() == DType::f32);
  CHECK(x.grad().to_vector() == seed.to_vector());
  CHECK_THROWS_WITH(ops::cast(x, DType::i32), Catch::Contains("cast: the target must be f32 or bf16, got i32"));
}

TEST_CASE("a network on bf16 activations trains its f32 parameters", "[ops][bf16]") {
  // x -> bf16 -> BN + ReLU6 -> + residual -> f32: the input's gradient comes back f32, the
  // parameters' are f32, and both are close to the all-f32 network's (bf16 rounding).
  const Shape s{4, 6, 6, 8};
  Tensor x = test::random_tensor(s, 12).set_requires_grad(true);
  Tensor gamma = test::random_tensor({8}, 13, 0.5f, 2.f).set_requires_grad(true);
  Tensor beta = test::random_tensor({8}, 14).set_requires_grad(true);
  const Tensor seed = test::random_tensor(s, 15);
  const auto run = [&](DType activations) {
    for (Tensor* t : {&x, &gamma, &beta}) t->clear_grad();
    ops::BatchNormOptions o;
    o.update_running_stats = false;
    o.activation = ops::Activation::relu6;
    const Tensor h = ops::cast(x, activations);
    const Tensor out = ops::cast(ops::add(ops::batch_norm(h, gamma, beta, Tensor(), Tensor(), o), h), DType::f32);
    out.backward(seed);
    return std::vector<std::vector<double>>{test::to_double(out), test::to_double(x.grad()),
                                            test::to_double(gamma.grad()), test::to_double(beta.grad())};
  };
  const auto want = run(DType::f32);
  const auto got = run(DType::bf16);
  REQUIRE(x.grad().dtype() == DType::f32);
  REQUIRE(gamma.grad().dtype() == DType::f32);
  const char* names[] = {"output", "d/x", "d/gamma", "d/beta"};
  for (std::size_t k = 0; k < want.size(); ++k) {
    INFO(names[k]);
    const double err = test::relative_l2(got[k], want[k]);
    CHECK(err > 0);      // it did run in bf16
    CHECK(err < 1e-2);   // 8 mantissa bits
  }
}

TEST_CASE("bf16 activations meet clear errors where dtypes do not fit", "[ops][bf16]") {
  const Tensor a = Tensor::zeros({2, 3}), b = Tensor::zeros({2, 3}).to(DType::bf16);
  CHECK_THROWS_WITH(ops::add(a, b), Catch::Contains("add: inputs of dtypes f32 and bf16 (convert one with ops::cast)"));
  CHECK_THROWS_WITH(ops::relu(Tensor::zeros({2}, DType::i32)), Catch::Contains("relu: x must be f32 or bf16, got i32"));
  // Parameters stay f32.
  const Tensor x = Tensor::zeros({1, 4, 4, 2}).to(DType::bf16), w = Tensor::zeros({2, 3, 3, 2});
  CHECK_THROWS_WITH(ops::conv2d(x, w.to(DType::bf16), Tensor(), {}),
                    Catch::Contains("conv2d: weight must be f32, got bf16"));
  // A gradient must have its output's dtype.
  Tensor y = ops::relu(Tensor::ones({3}).to(DType::bf16).set_requires_grad(true));
  CHECK_THROWS_WITH(y.backward(Tensor::ones({3})), Catch::Contains("gradient of dtype f32 for an output of dtype bf16"));
}
