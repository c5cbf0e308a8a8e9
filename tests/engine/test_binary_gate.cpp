#include <catch2/catch.hpp>
#include <cmath>

#include "engine/ops/binary_gate.h"
#include "kernels/ref/binary_gate.h"
#include "tests/support/test_support.h"

using namespace autospace;

TEST_CASE("binary gate: forward is the active output, logit gradient matches the reference", "[ops][binary_gate]") {
  for (bool first_active : {true, false}) {
    Tensor a = test::random_tensor({2, 3, 3, 5}, 1).set_requires_grad(true);
    Tensor b = test::random_tensor({2, 3, 3, 5}, 2);
    Tensor logits = Tensor::from_vector({0.3f, -0.7f, 1.1f, 0.2f}, {4}).set_requires_grad(true);
    const ops::GatePair pair{2, 0, first_active};
    Tensor y = ops::binary_gate(a, b, logits, pair);
    CHECK(y.to_vector() == a.to_vector());
    Tensor g = test::random_tensor(y.shape(), 3);
    y.backward(g);
    CHECK(a.grad().to_vector() == g.to_vector());

    // Reference in double: candidate 2's output is `a` when first_active, else `b`.
    const auto gd = test::to_double(g), ad = test::to_double(a), bd = test::to_double(b);
    const double pl[2] = {1.1, 0.3};
    double d[2];
    kernels::ref::binary_gate_backward<double>(static_cast<std::int64_t>(gd.size()), gd.data(),
                                               first_active ? ad.data() : bd.data(), first_active ? bd.data() : ad.data(),
                                               pl, d);
    const auto dl = logits.grad().to_vector();
    CHECK(dl[2] == Approx(d[0]).epsilon(1e-4));
    CHECK(dl[0] == Approx(d[1]).epsilon(1e-4));
    CHECK(dl[1] == 0.f);  // candidates outside the pair get nothing
    CHECK(dl[3] == 0.f);
    CHECK(dl[0] == Approx(-dl[2]));
  }
}

TEST_CASE("binary gate: the reference equals the derivative of the pair's expected output", "[ops][binary_gate]") {
  // E[y] = q0 o0 + q1 o1 with q = softmax over the pair; its logit derivative in direction dy
  // is exactly the gate-gradient formula.
  const std::vector<double> dy = {0.5, -1.0, 2.0}, o0 = {1.0, 2.0, 3.0}, o1 = {-1.0, 0.5, 0.0};
  auto expected = [&](double l0, double l1) {
    const double q0 = 1 / (1 + std::exp(l1 - l0));
    double s = 0;
    for (int i = 0; i < 3; ++i) s += dy[i] * (q0 * o0[i] + (1 - q0) * o1[i]);
    return s;
  };
  const double l[2] = {0.4, -0.2};
  double d[2];
  kernels::ref::binary_gate_backward<double>(3, dy.data(), o0.data(), o1.data(), l, d);
  const double h = 1e-6;
  CHECK(d[0] == Approx((expected(l[0] + h, l[1]) - expected(l[0] - h, l[1])) / (2 * h)).epsilon(1e-6));
  CHECK(d[1] == Approx((expected(l[0], l[1] + h) - expected(l[0], l[1] - h)) / (2 * h)).epsilon(1e-6));
}

TEST_CASE("binary gate: a zero candidate has no gate gradient but moves the pair", "[ops][binary_gate]") {
  Tensor a = test::random_tensor({1, 2, 2, 3}, 4).set_requires_grad(true);
  Tensor zero = Tensor::zeros({1, 2, 2, 3});
  Tensor logits = Tensor::from_vector({0.f, 0.f}, {2}).set_requires_grad(true);
  Tensor y = ops::binary_gate(zero, a, logits, {0, 1, true});
  y.backward(a.detach());  // <dy, a> = |a|^2 > 0
  const auto dl = logits.grad().to_vector();
  CHECK(dl[1] > 0.f);
  CHECK(dl[0] == Approx(-dl[1]));
  CHECK_THROWS_WITH(ops::binary_gate(a, a, logits, {1, 1, true}), Catch::Contains("pair (1, 1) invalid"));
}
