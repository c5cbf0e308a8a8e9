#include <catch2/catch.hpp>

#include <cmath>

#include "engine/ops/concat.h"
#include "kernels/ref/concat.h"
#include "tests/support/test_support.h"

using namespace autospace;

namespace {

test::RefForward reference(std::int64_t rows, std::vector<std::int64_t> widths) {
  return [=](const std::vector<std::vector<double>>& in) {
    std::vector<const double*> srcs;
    std::size_t total = 0;
    for (const auto& v : in) {
      srcs.push_back(v.data());
      total += v.size();
    }
    std::vector<double> out(total);
    kernels::ref::concat_channels<double>(rows, static_cast<std::int64_t>(in.size()), srcs.data(), widths.data(),
                                          out.data());
    return out;
  };
}

}  // namespace

TEST_CASE("concat_channels matches the reference and its gradients", "[ops][concat]") {
  const Shape leads[] = {{2, 3, 3}, {1, 1, 1}, {5}, {4, 9, 7}};
  const std::vector<std::vector<std::int64_t>> width_sets = {{3, 5, 13}, {1, 1}, {8, 16}, {7}};
  for (const Shape& lead : leads)
    for (const auto& widths : width_sets) {
      std::vector<Tensor> xs;
      for (std::size_t k = 0; k < widths.size(); ++k) {
        Shape shape = lead;
        shape.push_back(widths[k]);
        xs.push_back(test::random_tensor(shape, 10 + k).set_requires_grad(true));
      }
      INFO("leading " << shape_str(lead) << " widths " << widths.size());
      test::check_op(
          xs, [](const std::vector<Tensor>& in) { return ops::concat_channels(in); },
          reference(shape_numel(lead), widths));
    }
}

TEST_CASE("concat_channels output shape and partial gradients", "[ops][concat]") {
  Tensor a = test::random_tensor({2, 3, 3, 3}, 1).set_requires_grad(true);
  Tensor b = test::random_tensor({2, 3, 3, 5}, 2);
  Tensor c = test::random_tensor({2, 3, 3, 13}, 3).set_requires_grad(true);
  Tensor out = ops::concat_channels({a, b, c});
  CHECK(out.shape() == Shape{2, 3, 3, 21});
  out.backward(Tensor::ones(out.shape()));
  CHECK(a.grad().defined());
  CHECK_FALSE(b.grad().defined());
  CHECK(c.grad().defined());
  CHECK(ops::concat_channels({a}).is_same(a));
}

TEST_CASE("concat_channels rejects bad inputs", "[ops][concat]") {
  REQUIRE_THROWS_WITH(ops::concat_channels({}), Catch::Contains("concat_channels: no inputs"));
  REQUIRE_THROWS_WITH(ops::concat_channels({Tensor::zeros({2, 3, 3, 4}), Tensor::zeros({2, 3, 2, 4})}),
                      Catch::Contains("concat_channels: input 1 has shape [2, 3, 2, 4], input 0 has [2, 3, 3, 4]"));
  REQUIRE_THROWS_WITH(ops::concat_channels({Tensor::zeros({2, 4}), Tensor::zeros({2, 2, 4})}),
                      Catch::Contains("input 1 has shape [2, 2, 4]"));
  REQUIRE_THROWS_WITH(ops::concat_channels({Tensor::zeros({2, 4}), Tensor::zeros({2, 4}, DType::i32)}),
                      Catch::Contains("concat_channels: input 1 must be f32"));
}

TEST_CASE("values on host: several tensors read in one copy, each its own vector", "[concat]") {
  const Tensor a = Tensor::from_vector({1.f, 2.f, 3.f, 4.f, 5.f, 6.f}, {2, 3}), b = Tensor::from_vector({-0.f}, {1}),
               c = Tensor::from_vector({7.f, 8.f}, {2});
  const auto values = ops::values_on_host({a, b, c});
  REQUIRE(values.size() == 3);
  CHECK(values[0] == a.to_vector());
  CHECK(values[1].size() == 1);
  CHECK(std::signbit(values[1][0]));
  CHECK(values[2] == c.to_vector());
  CHECK(ops::values_on_host({c}) == std::vector<std::vector<float>>{{7.f, 8.f}});
  CHECK(ops::values_on_host({}).empty());
}
