#include <catch2/catch.hpp>

#include "engine/ops/pool.h"
#include "kernels/ref/pool.h"
#include "tests/support/test_support.h"

using namespace autospace;

namespace {

std::vector<double> ref_global(const Shape& s, const std::vector<double>& x) {
  std::vector<double> y(static_cast<std::size_t>(s[0] * s[3]));
  kernels::ref::global_avg_pool_forward<double>(s[0], s[1] * s[2], s[3], x.data(), y.data());
  return y;
}

kernels::Pool2dShape pool_shape(const Shape& x, int kernel, int stride, int pad) {
  return {.n = x[0], .in_h = x[1], .in_w = x[2], .c = x[3], .kernel = kernel, .stride = stride, .pad = pad};
}

std::vector<double> ref_pool(const kernels::Pool2dShape& s, const std::vector<double>& x) {
  std::vector<double> y(static_cast<std::size_t>(s.n * s.out_h() * s.out_w() * s.c));
  kernels::ref::avg_pool2d_forward<double>(s, x.data(), y.data());
  return y;
}

struct PoolCase {
  Shape x;
  int kernel, stride, pad;
};

// The cell's stride-2 identity (2x2 / 2) on odd and even sizes, padded windows whose
// divisor shrinks at the border, and channel counts off the SIMD width.
const std::vector<PoolCase> kPoolCases = {
    {{1, 7, 5, 3}, 2, 2, 0}, {{3, 8, 8, 13}, 2, 2, 0}, {{2, 9, 9, 5}, 3, 1, 1},
    {{1, 9, 7, 8}, 3, 2, 1}, {{2, 9, 9, 3}, 5, 2, 2},  {{1, 5, 5, 1}, 1, 1, 0},
};

}  // namespace

TEST_CASE("global_avg_pool matches the reference and finite differences", "[ops][pool]") {
  for (const Shape& shape : {Shape{1, 1, 1, 3}, Shape{3, 7, 5, 13}, Shape{2, 9, 9, 8}, Shape{64, 2, 2, 40}}) {
    INFO(shape_str(shape));
    test::check_op(
        {test::random_tensor(shape, 1).set_requires_grad(true)},
        [](const std::vector<Tensor>& t) { return ops::global_avg_pool(t[0]); },
        [&](const std::vector<std::vector<double>>& t) { return ref_global(shape, t[0]); });

    Tensor x = test::random_tensor(shape, 2).set_requires_grad(true);
    Tensor y = ops::global_avg_pool(x);
    CHECK(y.shape() == Shape{shape[0], 1, 1, shape[3]});
    Tensor dy = test::random_tensor(y.shape(), 3);
    y.backward(dy);
    std::vector<double> dx(static_cast<std::size_t>(x.numel()));
    const auto g = test::to_double(dy);
    kernels::ref::global_avg_pool_backward<double>(shape[0], shape[1] * shape[2], shape[3], g.data(), dx.data());
    CHECK(test::relative_l2(test::to_double(x.grad()), dx) < 1e-6);
  }
}

TEST_CASE("avg_pool2d matches the reference and finite differences", "[ops][pool]") {
  for (const PoolCase& c : kPoolCases) {
    INFO(shape_str(c.x) << " k" << c.kernel << " s" << c.stride << " p" << c.pad);
    const auto s = pool_shape(c.x, c.kernel, c.stride, c.pad);
    test::check_op(
        {test::random_tensor(c.x, 4).set_requires_grad(true)},
        [&](const std::vector<Tensor>& t) { return ops::avg_pool2d(t[0], c.kernel, c.stride, c.pad); },
        [&](const std::vector<std::vector<double>>& t) { return ref_pool(s, t[0]); });

    Tensor x = test::random_tensor(c.x, 5).set_requires_grad(true);
    Tensor y = ops::avg_pool2d(x, c.kernel, c.stride, c.pad);
    CHECK(y.shape() == Shape{s.n, s.out_h(), s.out_w(), s.c});
    Tensor dy = test::random_tensor(y.shape(), 6);
    y.backward(dy);
    std::vector<double> dx(static_cast<std::size_t>(x.numel()));
    const auto g = test::to_double(dy);
    kernels::ref::avg_pool2d_backward<double>(s, g.data(), dx.data());
    CHECK(test::relative_l2(test::to_double(x.grad()), dx) < 1e-6);
  }
}

// The divisor rule is shared by the reference and the fast kernel, so pin it by hand.
TEST_CASE("avg_pool2d divides by the in-bounds window size", "[ops][pool]") {
  const Tensor x = Tensor::from_vector({1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 3, 3, 1});
  const std::vector<float> y = ops::avg_pool2d(x, 3, 1, 1).to_vector();
  const std::vector<float> want{3.f, 3.5f, 4.f, 4.5f, 5.f, 5.5f, 6.f, 6.5f, 7.f};
  REQUIRE(y.size() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i) CHECK(y[i] == Approx(want[i]));
}

TEST_CASE("pooling rejects bad arguments with a message naming them", "[ops][pool]") {
  const Tensor x = Tensor::zeros({1, 4, 4, 3});
  REQUIRE_THROWS_WITH(ops::global_avg_pool(Tensor::zeros({4, 3})),
                      Catch::Contains("global_avg_pool: x [N, H, W, C] must have 4 dimensions, got [4, 3]"));
  REQUIRE_THROWS_WITH(ops::avg_pool2d(x, 3, 1, 2),
                      Catch::Contains("avg_pool2d: x [1, 4, 4, 3], kernel 3, stride 1, padding 2") &&
                          Catch::Contains("padding <= kernel / 2"));
  REQUIRE_THROWS_WITH(ops::avg_pool2d(x, 2, 0), Catch::Contains("stride >= 1"));
  REQUIRE_THROWS_WITH(ops::avg_pool2d(x, 7, 1, 1), Catch::Contains("the kernel is larger than the padded input"));
}
