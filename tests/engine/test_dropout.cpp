#include <catch2/catch.hpp>

#include "engine/ops/dropout.h"
#include "kernels/ref/dropout.h"
#include "tests/support/test_support.h"

using namespace autospace;

namespace {
const RngKey kKey{42, RngPurpose::dropout, 3, 7};
}  // namespace

TEST_CASE("dropout matches the reference and its gradient", "[ops][dropout]") {
  const Shape shapes[] = {{1}, {3, 5}, {2, 3, 3, 13}, {1001}, {4, 8, 8, 24}};
  for (const Shape& shape : shapes)
    for (float p : {0.1f, 0.5f, 0.9f}) {
      INFO("shape " << shape_str(shape) << " p " << p);
      Tensor x = test::random_tensor(shape, 5).set_requires_grad(true);
      test::check_op(
          {x}, [p](const std::vector<Tensor>& in) { return ops::dropout(in[0], p, true, kKey); },
          [p](const std::vector<std::vector<double>>& in) {
            std::vector<double> out(in[0].size());
            kernels::ref::dropout<double>(static_cast<std::int64_t>(out.size()), in[0].data(), p, kKey.stream(),
                                          out.data());
            return out;
          });
    }
}

TEST_CASE("dropout zeroes a fraction p and rescales the rest", "[ops][dropout]") {
  const std::int64_t n = 200001;  // not a multiple of the Philox block of four
  Tensor x = Tensor::ones({n});
  for (float p : {0.2f, 0.5f}) {
    const std::vector<float> y = ops::dropout(x, p, true, kKey).to_vector();
    const auto stream = kKey.stream();
    std::int64_t zeros = 0;
    for (std::int64_t i = 0; i < n; ++i) {
      const bool dropped = stream.uniform(static_cast<std::uint64_t>(i)) < p;
      REQUIRE(y[static_cast<std::size_t>(i)] == (dropped ? 0.f : 1.f / (1.f - p)));
      zeros += dropped;
    }
    CHECK(static_cast<double>(zeros) / n == Approx(p).margin(0.005));
  }
}

TEST_CASE("dropout masks are deterministic per key and differ across steps", "[ops][dropout]") {
  Tensor x = test::random_tensor({4, 5, 5, 7}, 1);
  const std::vector<float> a = ops::dropout(x, 0.3f, true, kKey).to_vector();
  const std::vector<float> b = ops::dropout(x, 0.3f, true, kKey).to_vector();
  const std::vector<float> c = ops::dropout(x, 0.3f, true, kKey.with_step(kKey.step + 1)).to_vector();
  CHECK(a == b);
  CHECK(a != c);
}

TEST_CASE("dropout gradient uses the forward mask", "[ops][dropout]") {
  Tensor x = test::random_tensor({999}, 1).set_requires_grad(true);
  Tensor y = ops::dropout(x, 0.4f, true, kKey);
  y.backward(Tensor::ones({999}));
  const std::vector<float> g = x.grad().to_vector(), yv = y.to_vector();
  for (std::size_t i = 0; i < g.size(); ++i) CHECK(g[i] == (yv[i] == 0.f ? 0.f : 1.f / 0.6f));
}

TEST_CASE("dropout is the identity in eval and for p = 0, and drops everything for p = 1", "[ops][dropout]") {
  Tensor x = test::random_tensor({3, 4}, 1).set_requires_grad(true);
  CHECK(ops::dropout(x, 0.5f, false, kKey).is_same(x));
  CHECK(ops::dropout(x, 0.f, true, kKey).is_same(x));
  for (float v : ops::dropout(x, 1.f, true, kKey).to_vector()) CHECK(v == 0.f);
}

TEST_CASE("dropout rejects p outside [0, 1]", "[ops][dropout]") {
  REQUIRE_THROWS_WITH(ops::dropout(Tensor::zeros({2}), 1.5f, true, kKey),
                      Catch::Contains("dropout: p = 1.5 outside [0, 1]"));
  REQUIRE_THROWS_WITH(ops::dropout(Tensor::zeros({2}), -0.1f, false, kKey), Catch::Contains("outside [0, 1]"));
}
