#include <catch2/catch.hpp>

#include "engine/ops/channel_slice.h"
#include "kernels/ref/channel_slice.h"
#include "tests/support/test_support.h"

using namespace autospace;

namespace {

test::RefForward reference(const Shape& shape, int axis, std::int64_t count) {
  kernels::SliceShape s;
  s.extent = shape[static_cast<std::size_t>(axis)];
  s.count = count;
  for (int i = 0; i < axis; ++i) s.outer *= shape[static_cast<std::size_t>(i)];
  for (std::size_t i = static_cast<std::size_t>(axis) + 1; i < shape.size(); ++i) s.inner *= shape[i];
  return [s](const std::vector<std::vector<double>>& in) {
    std::vector<double> out(static_cast<std::size_t>(s.outer * s.count * s.inner));
    kernels::ref::channel_slice<double>(s, in[0].data(), out.data());
    return out;
  };
}

}  // namespace

TEST_CASE("channel_slice matches the reference and its gradients", "[ops][channel_slice]") {
  const Shape shapes[] = {{5, 3, 3, 13}, {1, 1, 1, 3}, {6, 4, 2, 5}, {16, 3, 3, 24}};
  for (const Shape& shape : shapes)
    for (int axis : {0, 1, 3})
      for (std::int64_t count : {std::int64_t{1}, (shape[axis] + 1) / 2, shape[axis]}) {
        INFO("shape " << shape_str(shape) << " axis " << axis << " count " << count);
        Tensor x = test::random_tensor(shape, 4).set_requires_grad(true);
        test::check_op(
            {x}, [=](const std::vector<Tensor>& in) { return ops::channel_slice(in[0], axis, count); },
            reference(shape, axis, count));
      }
}

TEST_CASE("channel_slice along axis 0 is a view", "[ops][channel_slice]") {
  Tensor w = test::random_tensor({8, 3, 3, 4}, 1);
  Tensor s = ops::channel_slice(w, 0, 5);
  CHECK(s.shape() == Shape{5, 3, 3, 4});
  CHECK(s.data<float>() == w.data<float>());
  Tensor c = ops::channel_slice(w, -1, 2);  // negative axes count from the end
  CHECK(c.shape() == Shape{8, 3, 3, 2});
  CHECK(c.data<float>() != w.data<float>());
}

TEST_CASE("channel_slice gradient is zero outside the slice", "[ops][channel_slice]") {
  for (int axis : {0, 3}) {
    Tensor w = test::random_tensor({6, 2, 2, 5}, 2).set_requires_grad(true);
    Tensor s = ops::channel_slice(w, axis, 3);
    s.backward(Tensor::ones(s.shape()));
    const std::vector<float> g = w.grad().to_vector();
    for (std::int64_t o = 0; o < 6; ++o)
      for (std::int64_t p = 0; p < 4; ++p)
        for (std::int64_t c = 0; c < 5; ++c) {
          const bool inside = axis == 0 ? o < 3 : c < 3;
          CHECK(g[static_cast<std::size_t>((o * 4 + p) * 5 + c)] == (inside ? 1.f : 0.f));
        }
  }
}

TEST_CASE("channel_slice rejects bad arguments", "[ops][channel_slice]") {
  Tensor x = Tensor::zeros({2, 3, 3, 5});
  REQUIRE_THROWS_WITH(ops::channel_slice(x, 3, 6),
                      Catch::Contains("channel_slice: count 6 outside [1, 5] for axis 3 of shape [2, 3, 3, 5]"));
  REQUIRE_THROWS_WITH(ops::channel_slice(x, 0, 0), Catch::Contains("count 0 outside [1, 2]"));
  REQUIRE_THROWS_WITH(ops::channel_slice(x, 4, 1), Catch::Contains("channel_slice: axis 4 out of range"));
}
