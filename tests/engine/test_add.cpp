#include <catch2/catch.hpp>

#include "engine/ops/add.h"
#include "kernels/ref/add.h"
#include "tests/support/test_support.h"

using namespace autospace;

TEST_CASE("add matches the reference and its gradient", "[ops][add]") {
  for (const Shape& shape : {Shape{1, 1, 1, 1}, Shape{2, 5, 3, 7}, Shape{3, 17}}) {
    Tensor a = test::random_tensor(shape, 1).set_requires_grad(true);
    Tensor b = test::random_tensor(shape, 2).set_requires_grad(true);
    test::check_op(
        {a, b}, [](const std::vector<Tensor>& in) { return ops::add(in[0], in[1]); },
        [](const std::vector<std::vector<double>>& in) {
          std::vector<double> out(in[0].size());
          kernels::ref::add<double>(static_cast<std::int64_t>(out.size()), in[0].data(), in[1].data(), out.data());
          return out;
        });
  }
}

TEST_CASE("add rejects mismatched shapes", "[ops][add]") {
  Tensor a = Tensor::zeros({2, 3});
  Tensor b = Tensor::zeros({3, 2});
  REQUIRE_THROWS_WITH(ops::add(a, b), Catch::Contains("add: shapes [2, 3] and [3, 2]"));
}
