#include <catch2/catch.hpp>

#include "engine/autograd/node.h"
#include "engine/ops/add.h"
#include "tests/support/test_support.h"

using namespace autospace;

TEST_CASE("a shared input accumulates gradients from every use", "[autograd]") {
  Tensor a = Tensor::from_vector({1, 2, 3}, {3}).set_requires_grad(true);
  Tensor b = Tensor::from_vector({10, 20, 30}, {3}).set_requires_grad(true);
  // y = (a + b) + a  -> dy/da = 2, dy/db = 1
  Tensor y = ops::add(ops::add(a, b), a);
  y.backward(Tensor::from_vector({1, 1, 1}, {3}));
  CHECK(a.grad().to_vector() == std::vector<float>{2, 2, 2});
  CHECK(b.grad().to_vector() == std::vector<float>{1, 1, 1});
}

TEST_CASE("branches that merge run after all their consumers (tape order)", "[autograd]") {
  Tensor x = Tensor::from_vector({1, 1}, {2}).set_requires_grad(true);
  Tensor h = ops::add(x, x);          // 2x
  Tensor left = ops::add(h, h);       // 4x
  Tensor right = ops::add(h, x);      // 3x
  Tensor y = ops::add(left, right);   // 7x
  y.backward(Tensor::from_vector({1, 2}, {2}));
  CHECK(x.grad().to_vector() == std::vector<float>{7, 14});
}

TEST_CASE("unused parameters get no gradient, backward accumulates across calls", "[autograd]") {
  Tensor used = Tensor::from_vector({1}, {1}).set_requires_grad(true);
  Tensor unused = Tensor::from_vector({1}, {1}).set_requires_grad(true);
  Tensor constant = Tensor::from_vector({5}, {1});
  Tensor y = ops::add(used, constant);
  y.backward();
  CHECK_FALSE(unused.grad().defined());
  CHECK_FALSE(constant.grad().defined());
  CHECK(used.grad().item() == 1);
  ops::add(used, constant).backward();
  CHECK(used.grad().item() == 2);
  used.clear_grad();
  CHECK_FALSE(used.grad().defined());
}

TEST_CASE("a leaf gradient never aliases another input's gradient", "[autograd]") {
  Tensor a = Tensor::from_vector({1}, {1}).set_requires_grad(true);
  Tensor b = Tensor::from_vector({1}, {1}).set_requires_grad(true);
  ops::add(a, b).backward();
  a.grad().data<float>()[0] = 100;  // an optimiser scaling a's gradient in place
  CHECK(b.grad().item() == 1);
}

TEST_CASE("no_grad records nothing", "[autograd]") {
  Tensor a = Tensor::from_vector({1}, {1}).set_requires_grad(true);
  Tensor y;
  {
    NoGradGuard guard;
    CHECK_FALSE(grad_enabled());
    y = ops::add(a, a);
  }
  CHECK(grad_enabled());
  CHECK_FALSE(y.requires_grad());
  CHECK_FALSE(y.grad_fn());
  CHECK_THROWS_WITH(y.backward(), Catch::Contains("does not require a gradient"));
  CHECK(y.to_vector() == std::vector<float>{2});
}
