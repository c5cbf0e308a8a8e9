#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "engine/autograd/node.h"
#include "engine/ops/activation.h"
#include "engine/ops/batch_norm.h"
#include "kernels/ref/activation.h"
#include "tests/support/test_support.h"

using namespace autospace;

namespace {

struct Case {
  ops::Activation op;
  kernels::ActivationKind kernel;
  std::vector<float> kinks;  // where the derivative jumps
};

const Case kCases[] = {
    {ops::Activation::relu, kernels::ActivationKind::relu, {0.f}},
    {ops::Activation::relu6, kernels::ActivationKind::relu6, {0.f, 6.f}},
    {ops::Activation::swish, kernels::ActivationKind::swish, {}},
    {ops::Activation::hswish, kernels::ActivationKind::hswish, {-3.f, 3.f}},
    {ops::Activation::sigmoid, kernels::ActivationKind::sigmoid, {}},
    {ops::Activation::hsigmoid, kernels::ActivationKind::hsigmoid, {-3.f, 3.f}},
};

// Moves values that lie within 1e-2 of a kink 2e-2 away from it, so that central
// differences (step 1e-3) never straddle one.
void avoid_kinks(Tensor& t, const std::vector<float>& kinks) {
  float* p = t.data<float>();
  for (std::int64_t i = 0; i < t.numel(); ++i)
    for (float k : kinks)
      if (std::fabs(p[i] - k) < 1e-2f) p[i] = k + (p[i] < k ? -2e-2f : 2e-2f);
}

test::RefForward reference(kernels::ActivationKind kind) {
  return [kind](const std::vector<std::vector<double>>& in) {
    std::vector<double> out(in[0].size());
    kernels::ref::activation<double>(kind, static_cast<std::int64_t>(out.size()), in[0].data(), out.data());
    return out;
  };
}

}  // namespace

TEST_CASE("activations match the reference and their gradients", "[ops][activation]") {
  const Shape shapes[] = {{1, 1, 1, 1}, {2, 5, 3, 7}, {3, 17}, {1, 9, 9, 13}, {4, 16, 16, 24}};
  for (const Case& c : kCases)
    for (const Shape& shape : shapes) {
      INFO(ops::activation_name(c.op) << " on " << shape_str(shape));
      Tensor x = test::random_tensor(shape, 7, -8.f, 8.f);
      avoid_kinks(x, c.kinks);
      x.set_requires_grad(true);
      test::check_op(
          {x}, [op = c.op](const std::vector<Tensor>& in) { return ops::activation(in[0], op); },
          reference(c.kernel));
    }
}

TEST_CASE("activations saturate cleanly for large inputs", "[ops][activation]") {
  Tensor x = test::random_tensor({1000}, 3, -150.f, 150.f);
  for (const Case& c : kCases) {
    INFO(ops::activation_name(c.op));
    test::check_op(
        {x}, [op = c.op](const std::vector<Tensor>& in) { return ops::activation(in[0], op); },
        reference(c.kernel));
  }
}

// PyTorch's rule: a NaN goes through every activation as a NaN, so a diverged value is
// never clamped into a plausible one (and the clamps saturate infinities). The
// vectorised loops (a long input) and the fused batch-norm pass use the same scalar
// functions.
TEST_CASE("activations keep a NaN as NaN", "[ops][activation]") {
  std::vector<float> values(64, 0.5f);
  values[3] = std::nanf(""), values[17] = -std::nanf(""), values[40] = INFINITY, values[41] = -INFINITY;
  const Tensor x = Tensor::from_vector(values, {64, 1});
  ops::BatchNormOptions eval;
  eval.training = false;
  const Tensor one = Tensor::ones({1}), zero = Tensor::zeros({1});
  for (const Case& c : kCases) {
    INFO(ops::activation_name(c.op));
    eval.activation = c.op;
    for (const std::vector<float>& y :
         {ops::activation(x, c.op).to_vector(), ops::batch_norm(x, one, zero, zero, one, eval).to_vector()}) {
      CHECK(std::isnan(y[3]));
      CHECK(std::isnan(y[17]));
      if (c.op == ops::Activation::relu || c.op == ops::Activation::relu6) {
        CHECK(y[40] == (c.op == ops::Activation::relu ? INFINITY : 6.f));
        CHECK(y[41] == 0.f);
      }
    }
  }
}

TEST_CASE("activation gradients at the kinks follow PyTorch", "[ops][activation]") {
  Tensor x = Tensor::from_vector({-3.f, 0.f, 3.f, 6.f}, {4});
  x.set_requires_grad(true);
  auto grad_of = [&](ops::Activation a) {
    x.clear_grad();
    ops::activation(x, a).backward(Tensor::ones({4}));
    return x.grad().to_vector();
  };
  CHECK(grad_of(ops::Activation::relu) == std::vector<float>{0.f, 0.f, 1.f, 1.f});
  CHECK(grad_of(ops::Activation::relu6) == std::vector<float>{0.f, 0.f, 1.f, 0.f});
  const std::vector<float> hswish = grad_of(ops::Activation::hswish);
  CHECK(hswish[0] == Approx(-0.5f));
  CHECK(hswish[2] == Approx(1.5f));
  CHECK(grad_of(ops::Activation::hsigmoid) == std::vector<float>{0.f, 1.f / 6.f, 0.f, 0.f});
}

TEST_CASE("identity activation passes its input through", "[ops][activation]") {
  Tensor x = test::random_tensor({2, 3}, 1).set_requires_grad(true);
  CHECK(ops::activation(x, ops::Activation::identity).is_same(x));
}

TEST_CASE("activation names parse and print", "[ops][activation]") {
  for (const Case& c : kCases) CHECK(ops::parse_activation(ops::activation_name(c.op)) == c.op);
  CHECK(ops::parse_activation("none") == ops::Activation::identity);
  CHECK(ops::parse_activation("silu") == ops::Activation::swish);
  REQUIRE_THROWS_WITH(ops::parse_activation("gelu"), Catch::Contains("unknown activation \"gelu\""));
}

TEST_CASE("activation records no graph under no_grad", "[ops][activation]") {
  Tensor x = test::random_tensor({5}, 1).set_requires_grad(true);
  NoGradGuard guard;
  CHECK_FALSE(ops::swish(x).requires_grad());
}

TEST_CASE("activation rejects non-f32 input", "[ops][activation]") {
  Tensor x = Tensor::zeros({3}, DType::i32);
  REQUIRE_THROWS_WITH(ops::relu(x), Catch::Contains("relu: x must be f32"));
}
