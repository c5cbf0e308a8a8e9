#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "engine/ops/batch_norm.h"
#include "kernels/ref/activation.h"
#include "kernels/ref/batch_norm.h"
#include "tests/engine/batch_norm_two_values.h"
#include "tests/support/test_support.h"

using namespace autospace;

namespace {

struct Params {
  Tensor gamma, beta, running_mean, running_var;
};

Params make_params(std::int64_t channels, std::uint64_t seed) {
  return {test::random_tensor({channels}, seed, 0.5f, 1.5f).set_requires_grad(true),
          test::random_tensor({channels}, seed + 1, -0.5f, 0.5f).set_requires_grad(true),
          test::random_tensor({channels}, seed + 2, -0.3f, 0.3f), test::random_tensor({channels}, seed + 3, 0.5f, 2.f)};
}

// x, gamma, beta -> y in double, with the batch statistics (training) or fixed ones (eval).
test::RefForward reference(const Shape& shape, const ops::BatchNormOptions& o, const std::vector<double>& mean,
                           const std::vector<double>& var) {
  const std::int64_t channels = shape.back(), rows = shape_numel(shape) / channels;
  return [=](const std::vector<std::vector<double>>& in) {
    std::vector<double> m = mean, v = var, y(in[0].size());
    if (o.training) {
      m.resize(static_cast<std::size_t>(channels));
      v.resize(static_cast<std::size_t>(channels));
      kernels::ref::batch_norm_stats<double>(rows, channels, in[0].data(), m.data(), v.data());
    }
    kernels::ref::batch_norm_forward<double>(rows, channels, in[0].data(), m.data(), v.data(), in[1].data(),
                                             in[2].data(), o.eps, y.data());
    return y;
  };
}

// The reference forward followed by the reference activation.
test::RefForward activated(const test::RefForward& batch_norm, ops::Activation a) {
  return [=](const std::vector<std::vector<double>>& in) {
    const std::vector<double> y = batch_norm(in);
    std::vector<double> z(y.size());
    kernels::ref::activation<double>(ops::kernel_activation(a), static_cast<std::int64_t>(y.size()), y.data(), z.data());
    return z;
  };
}

// Three or more rows per channel: with two, the normalised output is ±1 whatever x is
// and the x-gradient vanishes up to eps, leaving nothing to compare.
const Shape kShapes[] = {{2, 3, 5, 3}, {1, 4, 4, 13}, {3, 5}, {3, 1, 1, 1}, {4, 7, 7, 5}, {8, 9, 9, 24}};

}  // namespace

TEST_CASE("batch_norm in training matches the reference and its gradients", "[ops][batch_norm]") {
  for (const Shape& shape : kShapes) {
    INFO("shape " << shape_str(shape));
    Params p = make_params(shape.back(), 10);
    Tensor x = test::random_tensor(shape, 3, -2.f, 3.f).set_requires_grad(true);
    ops::BatchNormOptions o;
    test::check_op(
        {x, p.gamma, p.beta},
        [&](const std::vector<Tensor>& in) {
          return ops::batch_norm(in[0], in[1], in[2], p.running_mean, p.running_var, o);
        },
        reference(shape, o, {}, {}));
  }
}

TEST_CASE("batch_norm in eval matches the reference and its gradients", "[ops][batch_norm]") {
  for (const Shape& shape : kShapes) {
    INFO("shape " << shape_str(shape));
    Params p = make_params(shape.back(), 20);
    const std::vector<float> mean_before = p.running_mean.to_vector(), var_before = p.running_var.to_vector();
    Tensor x = test::random_tensor(shape, 4, -2.f, 3.f).set_requires_grad(true);
    ops::BatchNormOptions o;
    o.training = false;
    test::check_op(
        {x, p.gamma, p.beta},
        [&](const std::vector<Tensor>& in) {
          return ops::batch_norm(in[0], in[1], in[2], p.running_mean, p.running_var, o);
        },
        reference(shape, o, test::to_double(p.running_mean), test::to_double(p.running_var)));
    CHECK(p.running_mean.to_vector() == mean_before);
    CHECK(p.running_var.to_vector() == var_before);
  }
}

TEST_CASE("batch_norm backward matches the reference backward on whole tensors", "[ops][batch_norm]") {
  const Shape shape{6, 11, 11, 40};
  const std::int64_t channels = shape.back(), rows = shape_numel(shape) / channels;
  for (bool training : {true, false}) {
    INFO((training ? "training" : "eval"));
    Params p = make_params(channels, 30);
    Tensor x = test::random_tensor(shape, 5, -1.f, 4.f).set_requires_grad(true);
    Tensor dy = test::random_tensor(shape, 6);
    ops::BatchNormOptions o;
    o.training = training;
    const std::vector<double> rm = test::to_double(p.running_mean), rv = test::to_double(p.running_var);
    ops::batch_norm(x, p.gamma, p.beta, p.running_mean, p.running_var, o).backward(dy);

    const std::vector<double> xd = test::to_double(x), dyd = test::to_double(dy), gd = test::to_double(p.gamma);
    std::vector<double> mean = rm, var = rv, dx(xd.size()), dgamma(channels), dbeta(channels);
    if (training) kernels::ref::batch_norm_stats<double>(rows, channels, xd.data(), mean.data(), var.data());
    kernels::ref::batch_norm_backward<double>(rows, channels, xd.data(), dyd.data(), mean.data(), var.data(),
                                              gd.data(), o.eps, training, dx.data(), dgamma.data(), dbeta.data());
    CHECK(test::relative_l2(test::to_double(x.grad()), dx) < 1e-4);
    CHECK(test::relative_l2(test::to_double(p.gamma.grad()), dgamma) < 1e-5);
    CHECK(test::relative_l2(test::to_double(p.beta.grad()), dbeta) < 1e-5);
  }
}

TEST_CASE("batch_norm statistics stay accurate for a large mean", "[ops][batch_norm]") {
  const Shape shape{16, 8, 8, 5};
  Tensor x = test::random_tensor(shape, 8, 999.f, 1001.f);
  Params p = make_params(5, 40);
  ops::BatchNormOptions o;
  Tensor y = ops::batch_norm(x, p.gamma, p.beta, p.running_mean, p.running_var, o);
  const std::vector<double> want = reference(shape, o, {}, {})(
      {test::to_double(x), test::to_double(p.gamma), test::to_double(p.beta)});
  CHECK(test::relative_l2(test::to_double(y), want) < 1e-4);
}

TEST_CASE("batch_norm updates the running statistics with the unbiased variance", "[ops][batch_norm]") {
  // Two rows, two channels: channel 0 sees {1, 3} (mean 2, biased var 1, unbiased 2),
  // channel 1 sees {2, 6} (mean 4, biased var 4, unbiased 8).
  Tensor x = Tensor::from_vector({1.f, 2.f, 3.f, 6.f}, {2, 1, 1, 2});
  Tensor gamma = Tensor::ones({2}), beta = Tensor::zeros({2});
  Tensor rm = Tensor::zeros({2}), rv = Tensor::ones({2});
  ops::BatchNormOptions o;
  Tensor y = ops::batch_norm(x, gamma, beta, rm, rv, o);
  CHECK_THAT(rm.to_vector(), Catch::Approx(std::vector<float>{0.2f, 0.4f}));
  CHECK_THAT(rv.to_vector(), Catch::Approx(std::vector<float>{1.1f, 1.7f}));
  // Normalised with the biased batch variance.
  const float a = 1.f / std::sqrt(1.f + 1e-5f), b = 2.f / std::sqrt(4.f + 1e-5f);
  CHECK_THAT(y.to_vector(), Catch::Approx(std::vector<float>{-a, -b, a, b}));

  o.momentum = 0.5f;
  ops::batch_norm(x, gamma, beta, rm, rv, o);
  CHECK_THAT(rm.to_vector(), Catch::Approx(std::vector<float>{1.1f, 2.2f}));
  CHECK_THAT(rv.to_vector(), Catch::Approx(std::vector<float>{1.55f, 4.85f}));

  o.update_running_stats = false;
  ops::batch_norm(x, gamma, beta, rm, rv, o);
  CHECK_THAT(rm.to_vector(), Catch::Approx(std::vector<float>{1.1f, 2.2f}));
  ops::batch_norm(x, gamma, beta, Tensor(), Tensor(), o);  // unused running statistics may be absent
}

TEST_CASE("batch_norm recalibration momentum 1/(k+1) averages the batch statistics", "[ops][batch_norm]") {
  Tensor gamma = Tensor::ones({3}), beta = Tensor::zeros({3});
  Tensor rm = Tensor::zeros({3}), rv = Tensor::ones({3});
  std::vector<double> mean_sum(3, 0), var_sum(3, 0);
  const int batches = 4;
  for (int k = 0; k < batches; ++k) {
    Tensor x = test::random_tensor({4, 3, 3, 3}, 100 + k, -1.f + k, 2.f + 2 * k);
    ops::BatchNormOptions o;
    o.momentum = 1.f / static_cast<float>(k + 1);
    ops::batch_norm(x, gamma, beta, rm, rv, o);
    std::vector<double> m(3), v(3);
    kernels::ref::batch_norm_stats<double>(36, 3, test::to_double(x).data(), m.data(), v.data());
    for (int c = 0; c < 3; ++c) {
      mean_sum[c] += m[c];
      var_sum[c] += v[c] * 36.0 / 35.0;
    }
  }
  for (int c = 0; c < 3; ++c) {
    CHECK(rm.to_vector()[c] == Approx(mean_sum[c] / batches).epsilon(1e-5));
    CHECK(rv.to_vector()[c] == Approx(var_sum[c] / batches).epsilon(1e-5));
  }
}

TEST_CASE("batch_norm gradients reach only the inputs that need them", "[ops][batch_norm]") {
  Tensor x = test::random_tensor({3, 2, 2, 4}, 1);
  Params p = make_params(4, 50);
  p.beta.set_requires_grad(false);
  Tensor y = ops::batch_norm(x, p.gamma, p.beta, p.running_mean, p.running_var, {});
  y.backward(test::random_tensor(y.shape(), 2));
  CHECK(p.gamma.grad().defined());
  CHECK_FALSE(p.beta.grad().defined());
  CHECK_FALSE(x.grad().defined());
}

TEST_CASE("batch_norm rejects bad inputs", "[ops][batch_norm]") {
  Params p = make_params(4, 60);
  ops::BatchNormOptions o;
  REQUIRE_THROWS_WITH(ops::batch_norm(Tensor::zeros({1, 1, 1, 4}), p.gamma, p.beta, p.running_mean, p.running_var, o),
                      Catch::Contains("batch_norm: training needs more than one value per channel"));
  REQUIRE_THROWS_WITH(ops::batch_norm(Tensor::zeros({2, 2, 2, 5}), p.gamma, p.beta, p.running_mean, p.running_var, o),
                      Catch::Contains("batch_norm: gamma has shape [4], expected [5]"));
  REQUIRE_THROWS_WITH(ops::batch_norm(Tensor::zeros({2, 2, 4}), p.gamma, p.beta, p.running_mean, p.running_var, o),
                      Catch::Contains("batch_norm: x must be [N, H, W, C] or [N, C], got [2, 2, 4]"));
  o.training = false;
  REQUIRE_THROWS_WITH(ops::batch_norm(Tensor::zeros({2, 4}), p.gamma, p.beta, Tensor(), p.running_var, o),
                      Catch::Contains("batch_norm: running_mean is undefined"));
  o.momentum = 1.5f;
  REQUIRE_THROWS_WITH(ops::batch_norm(Tensor::zeros({2, 4}), p.gamma, p.beta, p.running_mean, p.running_var, o),
                      Catch::Contains("batch_norm: momentum 1.5 outside [0, 1]"));
}

TEST_CASE("batch_norm input gradient over two values per channel is rounding noise", "[ops][batch_norm]") {
  test::check_two_value_batch_norm_gradient(Device::cpu(), 77);
}

// Finite differences of a piecewise activation straddle its kinks wherever a
// pre-activation lies within a step of one, and through the batch statistics every probe
// of x moves every pre-activation of its channel: the smooth kinds are checked against
// finite differences here, the piecewise ones against the unfused pair below (whose
// activation has its own gradient check, kinks avoided).
TEST_CASE("batch_norm with a smooth fused activation matches the reference and its gradients", "[ops][batch_norm]") {
  for (ops::Activation a : {ops::Activation::swish, ops::Activation::sigmoid})
    for (bool training : {true, false})
      for (const Shape& shape : {Shape{2, 3, 5, 3}, Shape{3, 5}, Shape{4, 7, 7, 5}}) {
        INFO(ops::activation_name(a) << (training ? " training " : " eval ") << shape_str(shape));
        Params p = make_params(shape.back(), 70);
        Tensor x = test::random_tensor(shape, 9, -2.f, 3.f).set_requires_grad(true);
        ops::BatchNormOptions o;
        o.training = training;
        o.activation = a;
        const std::vector<double> rm = test::to_double(p.running_mean), rv = test::to_double(p.running_var);
        test::check_op(
            {x, p.gamma, p.beta},
            [&](const std::vector<Tensor>& in) {
              return ops::batch_norm(in[0], in[1], in[2], p.running_mean, p.running_var, o);
            },
            activated(reference(shape, o, training ? std::vector<double>{} : rm, training ? std::vector<double>{} : rv),
                      a));
      }
}

TEST_CASE("batch_norm with a fused activation equals batch_norm then the activation", "[ops][batch_norm]") {
  const Shape shape{6, 11, 11, 40};
  for (ops::Activation a : {ops::Activation::relu, ops::Activation::relu6, ops::Activation::swish,
                            ops::Activation::hswish, ops::Activation::sigmoid, ops::Activation::hsigmoid})
    for (bool training : {true, false}) {
      INFO(ops::activation_name(a) << (training ? " training" : " eval"));
      // Pre-activations spread over [-8, 8] reach every piece of every kind.
      const Tensor x0 = test::random_tensor(shape, 11, -1.f, 4.f), dy = test::random_tensor(shape, 12);
      const auto run = [&](bool fused) {
        Params p = make_params(shape.back(), 80);
        p.gamma = test::random_tensor({shape.back()}, 81, 1.f, 4.f).set_requires_grad(true);
        p.beta = test::random_tensor({shape.back()}, 82, -2.f, 2.f).set_requires_grad(true);
        Tensor x = x0.clone().set_requires_grad(true);
        ops::BatchNormOptions o;
        o.training = training;
        if (fused) o.activation = a;
        const Tensor y = ops::batch_norm(x, p.gamma, p.beta, p.running_mean, p.running_var, o);
        const Tensor z = fused ? y : ops::activation(y, a);
        z.backward(dy);
        return std::vector<std::vector<double>>{test::to_double(z),           test::to_double(x.grad()),
                                                test::to_double(p.gamma.grad()), test::to_double(p.beta.grad()),
                                                test::to_double(p.running_mean), test::to_double(p.running_var)};
      };
      const auto fused = run(true), separate = run(false);
      for (std::size_t i = 0; i < fused.size(); ++i) {
        INFO("output " << i << " (z, dx, dgamma, dbeta, running mean, running var)");
        CHECK(test::relative_l2(fused[i], separate[i]) < 1e-6);
      }
    }
}
