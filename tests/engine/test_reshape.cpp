#include <catch2/catch.hpp>

#include "engine/ops/reshape.h"
#include "tests/support/test_support.h"

using namespace autospace;

TEST_CASE("reshape is a differentiable view", "[ops][reshape]") {
  for (const Shape& target : {Shape{6, 5}, Shape{-1}, Shape{2, -1, 5}, Shape{30, 1, 1, 1}}) {
    INFO("target " << shape_str(target));
    Tensor x = test::random_tensor({2, 3, 5}, 1).set_requires_grad(true);
    test::check_op(
        {x}, [&](const std::vector<Tensor>& in) { return ops::reshape(in[0], target); },
        [](const std::vector<std::vector<double>>& in) { return in[0]; });
  }
}

TEST_CASE("reshape infers -1 and shares storage", "[ops][reshape]") {
  Tensor x = test::random_tensor({4, 1, 1, 6}, 1);
  Tensor y = ops::reshape(x, {4, -1});
  CHECK(y.shape() == Shape{4, 6});
  CHECK(y.data<float>() == x.data<float>());
}

TEST_CASE("reshape rejects impossible shapes", "[ops][reshape]") {
  Tensor x = Tensor::zeros({2, 3});
  REQUIRE_THROWS_WITH(ops::reshape(x, {4, -1}), Catch::Contains("reshape: cannot view [2, 3] (6 elements) as [4, -1]"));
  REQUIRE_THROWS_WITH(ops::reshape(x, {5}), Catch::Contains("reshape: cannot view [2, 3] (6 elements) as [5]"));
  REQUIRE_THROWS_WITH(ops::reshape(x, {-1, -1}), Catch::Contains("reshape: more than one -1"));
  REQUIRE_THROWS_WITH(ops::reshape(x, {-2, -3}), Catch::Contains("reshape: negative dimension"));
}
