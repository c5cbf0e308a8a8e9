#include <catch2/catch.hpp>
#include <sstream>

#include "engine/ops/conv2d.h"
#include "kernels/ref/conv2d.h"
#include "tests/support/test_support.h"

using namespace autospace;

namespace {

struct Case {
  kernels::Conv2dShape s;
  bool bias;
};

kernels::Conv2dShape shape(std::int64_t n, std::int64_t h, std::int64_t w, std::int64_t cin, std::int64_t cout,
                           std::int64_t k, std::int64_t stride, std::int64_t pad, std::int64_t groups) {
  return {.n = n, .in_h = h, .in_w = w, .in_c = cin, .out_c = cout, .kernel_h = k, .kernel_w = k, .stride = stride,
          .pad = pad, .groups = groups};
}

// Odd and even sizes, strides 1 and 2, kernels 1/3/5/7 with padding k/2 or 0, dense,
// depthwise and grouped, channel counts off and on oneDNN's 8-wide blocks.
const std::vector<Case> kCases = {
    {shape(1, 7, 5, 3, 5, 3, 1, 1, 1), true},      {shape(3, 9, 9, 5, 8, 3, 2, 1, 1), false},
    {shape(2, 7, 5, 13, 13, 3, 1, 1, 13), true},   {shape(3, 9, 9, 13, 13, 3, 2, 1, 13), false},
    {shape(1, 9, 9, 5, 5, 5, 1, 2, 5), true},      {shape(1, 9, 7, 3, 3, 7, 2, 3, 3), false},
    {shape(3, 7, 5, 13, 7, 1, 1, 0, 1), true},     {shape(1, 9, 9, 6, 9, 1, 2, 0, 1), false},
    {shape(2, 7, 7, 6, 9, 3, 1, 1, 3), true},      {shape(1, 9, 5, 4, 6, 5, 2, 0, 2), false},
    {shape(1, 7, 7, 3, 4, 7, 1, 3, 1), true},      {shape(3, 5, 7, 3, 16, 3, 1, 0, 1), true},
    {shape(2, 8, 8, 16, 16, 3, 2, 1, 16), true},   {shape(1, 8, 8, 16, 24, 1, 2, 0, 1), false},
    {shape(1, 6, 6, 16, 32, 3, 1, 1, 1), false},
    // depthwise 5x5 and 7x7 over several images and output rows: the hand-written weight
    // gradient's per-thread row ranges (kernels/cpu/depthwise_conv2d.h)
    {shape(4, 12, 11, 19, 19, 5, 1, 2, 19), true}, {shape(3, 13, 13, 24, 24, 7, 2, 3, 24), false},
};

std::string describe(const Case& c) {
  const auto& s = c.s;
  std::ostringstream os;
  os << "N" << s.n << " " << s.in_h << "x" << s.in_w << "x" << s.in_c << " -> " << s.out_c << " k" << s.kernel_h
     << " s" << s.stride << " p" << s.pad << " g" << s.groups << (c.bias ? " bias" : "");
  return os.str();
}

struct Inputs {
  Tensor x, w, b;
};

Inputs make_inputs(const Case& c, std::uint64_t seed) {
  const auto& s = c.s;
  Inputs in{test::random_tensor({s.n, s.in_h, s.in_w, s.in_c}, seed),
            test::random_tensor({s.out_c, s.kernel_h, s.kernel_w, s.in_c / s.groups}, seed + 1), {}};
  if (c.bias) in.b = test::random_tensor({s.out_c}, seed + 2);
  return in;
}

ops::Conv2dOptions options(const kernels::Conv2dShape& s) {
  return {static_cast<int>(s.stride), static_cast<int>(s.pad), static_cast<int>(s.groups)};
}

std::vector<double> ref_forward(const kernels::Conv2dShape& s, const std::vector<std::vector<double>>& in) {
  std::vector<double> y(static_cast<std::size_t>(s.n * s.out_h() * s.out_w() * s.out_c));
  kernels::ref::conv2d_forward<double>(s, in[0].data(), in[1].data(), in.size() > 2 ? in[2].data() : nullptr,
                                       y.data());
  return y;
}

}  // namespace

TEST_CASE("conv2d matches the reference and finite differences", "[ops][conv2d]") {
  for (const Case& c : kCases) {
    INFO(describe(c));
    Inputs in = make_inputs(c, 10);
    std::vector<Tensor> inputs{in.x.set_requires_grad(true), in.w.set_requires_grad(true)};
    if (c.bias) inputs.push_back(in.b.set_requires_grad(true));
    test::check_op(
        inputs,
        [&](const std::vector<Tensor>& t) {
          return ops::conv2d(t[0], t[1], t.size() > 2 ? t[2] : Tensor(), options(c.s));
        },
        [&](const std::vector<std::vector<double>>& t) { return ref_forward(c.s, t); });
  }
}

// Finite differences probe a few elements; this compares every gradient element with
// the reference backward kernels (float accumulation over at most a few hundred terms).
TEST_CASE("conv2d gradients match the reference backward kernels", "[ops][conv2d]") {
  for (const Case& c : kCases) {
    INFO(describe(c));
    const auto& s = c.s;
    Inputs in = make_inputs(c, 20);
    in.x.set_requires_grad(true);
    in.w.set_requires_grad(true);
    if (c.bias) in.b.set_requires_grad(true);
    Tensor y = ops::conv2d(in.x, in.w, in.b, options(s));
    Tensor dy = test::random_tensor(y.shape(), 21);
    y.backward(dy);

    const auto x = test::to_double(in.x), w = test::to_double(in.w), g = test::to_double(dy);
    std::vector<double> dx(x.size()), dw(w.size()), db(static_cast<std::size_t>(s.out_c));
    kernels::ref::conv2d_backward_data<double>(s, g.data(), w.data(), dx.data());
    kernels::ref::conv2d_backward_weights<double>(s, x.data(), g.data(), dw.data(), db.data());
    CHECK(test::relative_l2(test::to_double(in.x.grad()), dx) < 1e-5);
    CHECK(test::relative_l2(test::to_double(in.w.grad()), dw) < 1e-5);
    if (c.bias) CHECK(test::relative_l2(test::to_double(in.b.grad()), db) < 1e-5);
  }
}

TEST_CASE("conv2d computes only the gradients that are needed", "[ops][conv2d]") {
  const Case c{shape(2, 7, 5, 6, 9, 3, 2, 1, 3), true};
  SECTION("frozen weight, trainable input and bias") {
    Inputs in = make_inputs(c, 30);
    test::check_op(
        {in.x.set_requires_grad(true), in.w, in.b.set_requires_grad(true)},
        [&](const std::vector<Tensor>& t) { return ops::conv2d(t[0], t[1], t[2], options(c.s)); },
        [&](const std::vector<std::vector<double>>& t) { return ref_forward(c.s, t); });
    CHECK_FALSE(in.w.grad().defined());
  }
  SECTION("constant input (the stem), trainable weight") {
    Inputs in = make_inputs(c, 40);
    test::check_op(
        {in.x, in.w.set_requires_grad(true), in.b},
        [&](const std::vector<Tensor>& t) { return ops::conv2d(t[0], t[1], t[2], options(c.s)); },
        [&](const std::vector<std::vector<double>>& t) { return ref_forward(c.s, t); });
    CHECK_FALSE(in.x.grad().defined());
    CHECK_FALSE(in.b.grad().defined());
  }
}

TEST_CASE("conv2d gives the same result on repeated calls of a cached shape", "[ops][conv2d]") {
  const Case c{shape(2, 9, 9, 13, 13, 3, 1, 1, 13), false};
  Inputs first = make_inputs(c, 50), second = make_inputs(c, 60);
  const auto x = test::to_double(second.x), w = test::to_double(second.w);
  std::vector<double> want(static_cast<std::size_t>(second.x.numel()));
  kernels::ref::conv2d_forward<double>(c.s, x.data(), w.data(), nullptr, want.data());
  ops::conv2d(first.x, first.w, Tensor(), options(c.s));
  CHECK(test::relative_l2(test::to_double(ops::conv2d(second.x, second.w, Tensor(), options(c.s))), want) < 1e-5);
}

TEST_CASE("conv2d rejects bad shapes with a message naming them", "[ops][conv2d]") {
  const Tensor x = Tensor::zeros({1, 5, 5, 4});
  const Tensor w = Tensor::zeros({6, 3, 3, 4});
  REQUIRE_NOTHROW(ops::conv2d(x, w, Tensor(), {}));
  REQUIRE_THROWS_WITH(ops::conv2d(Tensor::zeros({5, 5, 4}), w, Tensor(), {}),
                      Catch::Contains("conv2d: x [N, H, W, Cin] must have 4 dimensions, got [5, 5, 4]"));
  REQUIRE_THROWS_WITH(ops::conv2d(x, Tensor::zeros({6, 3, 3, 3}), Tensor(), {}),
                      Catch::Contains("conv2d: x [1, 5, 5, 4], weight [6, 3, 3, 3]") &&
                          Catch::Contains("weight has 3 input channels, expected Cin / groups = 4"));
  REQUIRE_THROWS_WITH(ops::conv2d(x, Tensor::zeros({6, 3, 3, 1}), Tensor(), {.groups = 3}),
                      Catch::Contains("Cin = 4 and Cout = 6 must both be divisible by groups"));
  REQUIRE_THROWS_WITH(ops::conv2d(x, w, Tensor::zeros({5}), {}),
                      Catch::Contains("bias [5]") && Catch::Contains("bias must have Cout = 6 elements"));
  REQUIRE_THROWS_WITH(ops::conv2d(x, Tensor::zeros({6, 7, 7, 4}), Tensor(), {.padding = 0}),
                      Catch::Contains("the kernel is larger than the padded input"));
  REQUIRE_THROWS_WITH(ops::conv2d(x, w, Tensor(), {.stride = 0}),
                      Catch::Contains("stride 0") && Catch::Contains("stride and groups must be >= 1"));
  REQUIRE_THROWS_WITH(ops::conv2d(Tensor::zeros({1, 5, 5, 4}, DType::i32), w, Tensor(), {}),
                      Catch::Contains("conv2d: x must be f32"));
}
