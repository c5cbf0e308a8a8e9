#include <catch2/catch.hpp>

#include "engine/ops/normalize.h"
#include "kernels/ref/normalize.h"
#include "tests/support/test_support.h"

using namespace autospace;

TEST_CASE("normalize_image matches the reference", "[ops][normalize]") {
  Tensor u8 = Tensor::empty({3, 5, 7, 3}, DType::u8);
  for (std::int64_t i = 0; i < u8.numel(); ++i) u8.data<std::uint8_t>()[i] = static_cast<std::uint8_t>((i * 37) % 256);
  const std::vector<float> mean{0.485f, 0.456f, 0.406f}, stdev{0.229f, 0.224f, 0.225f};
  const Tensor out = ops::normalize_image(u8, mean, stdev);
  std::vector<double> want(u8.numel());
  kernels::ref::normalize_image<double>(u8.numel() / 3, 3, u8.data<std::uint8_t>(), mean.data(), stdev.data(), want.data());
  CHECK(test::relative_l2(test::to_double(out), want) < 1e-6);
  CHECK_FALSE(out.requires_grad());
  CHECK_THROWS_WITH(ops::normalize_image(u8, {0.f}, {1.f}), Catch::Contains("1 means and 1 deviations for 3 channels"));
  CHECK_THROWS_WITH(ops::normalize_image(out, mean, stdev), Catch::Contains("images must be u8"));
}
