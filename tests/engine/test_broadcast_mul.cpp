#include <catch2/catch.hpp>

#include "engine/ops/broadcast_mul.h"
#include "kernels/ref/broadcast_mul.h"
#include "tests/support/test_support.h"

using namespace autospace;

TEST_CASE("broadcast_mul matches the reference and its gradients", "[ops][broadcast_mul]") {
  const Shape shapes[] = {{1, 1, 1, 1}, {2, 3, 5, 7}, {1, 4, 4, 13}, {3, 7, 7, 5}, {4, 14, 14, 24}};
  for (const Shape& shape : shapes) {
    INFO("shape " << shape_str(shape));
    Tensor x = test::random_tensor(shape, 1).set_requires_grad(true);
    Tensor s = test::random_tensor({shape[0], 1, 1, shape[3]}, 2).set_requires_grad(true);
    test::check_op(
        {x, s}, [](const std::vector<Tensor>& in) { return ops::broadcast_mul(in[0], in[1]); },
        [&](const std::vector<std::vector<double>>& in) {
          std::vector<double> out(in[0].size());
          kernels::ref::broadcast_mul<double>(shape[0], shape[1] * shape[2], shape[3], in[0].data(), in[1].data(),
                                              out.data());
          return out;
        });
  }
}

TEST_CASE("broadcast_mul computes only the gradients needed", "[ops][broadcast_mul]") {
  Tensor x = test::random_tensor({2, 3, 3, 4}, 1);
  Tensor s = test::random_tensor({2, 1, 1, 4}, 2).set_requires_grad(true);
  ops::broadcast_mul(x, s).backward(test::random_tensor({2, 3, 3, 4}, 3));
  CHECK(s.grad().defined());
  CHECK_FALSE(x.grad().defined());
}

TEST_CASE("broadcast_mul rejects mismatched shapes", "[ops][broadcast_mul]") {
  Tensor x = Tensor::zeros({2, 3, 3, 4});
  REQUIRE_THROWS_WITH(ops::broadcast_mul(x, Tensor::zeros({2, 4})),
                      Catch::Contains("broadcast_mul: s must have shape [2, 1, 1, 4] for x [2, 3, 3, 4], got [2, 4]"));
  REQUIRE_THROWS_WITH(ops::broadcast_mul(x, Tensor::zeros({1, 1, 1, 4})), Catch::Contains("got [1, 1, 1, 4]"));
  REQUIRE_THROWS_WITH(ops::broadcast_mul(Tensor::zeros({2, 4}), Tensor::zeros({2, 4})),
                      Catch::Contains("broadcast_mul: x must have 4 dimensions"));
}
