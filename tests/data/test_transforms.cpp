// Transform plans: torchvision's RandomResizedCrop (distributions and fallback), the
// evaluation resize + centre crop geometry, CIFAR pad-and-crop.
#include <cmath>
#include <numeric>

#include "data/transforms.h"
#include "tests/data/data_test_util.h"

using namespace autospace;
using namespace autospace::data;

namespace {

// Kolmogorov-Smirnov distance of samples from the uniform distribution on [lo, hi].
double ks_uniform(std::vector<double> v, double lo, double hi) {
  std::sort(v.begin(), v.end());
  double d = 0;
  const double n = static_cast<double>(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    const double f = std::clamp((v[i] - lo) / (hi - lo), 0.0, 1.0);
    d = std::max({d, std::abs(f - i / n), std::abs(f - (i + 1) / n)});
  }
  return d;
}

CropParams crop(int w, int h, const TransformConfig& config, std::uint32_t index) {
  Rng rng(RngKey{7, RngPurpose::augmentation, 0, index});
  return random_resized_crop_params(w, h, config, rng);
}

}  // namespace

TEST_CASE("RandomResizedCrop draws area and log-aspect uniformly when every proposal fits", "[data][transforms]") {
  TransformConfig config = TransformConfig::train();
  config.scale_max = 0.5;  // on a square image every proposal then fits
  const int side = 2000, n = 20000;
  std::vector<double> area, log_ratio, top_pos;
  for (int i = 0; i < n; ++i) {
    const CropParams c = crop(side, side, config, static_cast<std::uint32_t>(i));
    area.push_back(static_cast<double>(c.width) * c.height / (double(side) * side));
    log_ratio.push_back(std::log(static_cast<double>(c.width) / c.height));
    if (c.height < side) top_pos.push_back(static_cast<double>(c.top) / (side - c.height));
    REQUIRE(c.top + c.height <= side);
    REQUIRE(c.left + c.width <= side);
  }
  CHECK(ks_uniform(area, 0.08, 0.5) < 0.02);
  CHECK(ks_uniform(log_ratio, std::log(3.0 / 4), std::log(4.0 / 3)) < 0.02);
  CHECK(ks_uniform(top_pos, 0, 1) < 0.02);
}

TEST_CASE("RandomResizedCrop's mean area matches the rejection-sampling integral", "[data][transforms]") {
  // Default scale [0.08, 1] on a square image: a proposal (a, log r = t) fits iff
  // a <= exp(-|t|); after ten failures the whole image is used. Integrate that exactly.
  const TransformConfig config = TransformConfig::train();
  const double lo = 0.08, L = std::log(4.0 / 3);
  const int steps = 20000;
  double p_accept = 0, mean_if_accepted = 0;
  for (int k = 0; k < steps; ++k) {
    const double t = -L + 2 * L * (k + 0.5) / steps;
    const double m = std::exp(-std::abs(t));
    p_accept += (m - lo) / (1 - lo) / steps;
    mean_if_accepted += (m * m - lo * lo) / 2 / (1 - lo) / steps;
  }
  mean_if_accepted /= p_accept;
  const double p_fallback = std::pow(1 - p_accept, 10);
  const double expected = (1 - p_fallback) * mean_if_accepted + p_fallback * 1.0;

  const int side = 2000, n = 20000;
  double mean = 0;
  for (int i = 0; i < n; ++i) {
    const CropParams c = crop(side, side, config, static_cast<std::uint32_t>(i));
    mean += static_cast<double>(c.width) * c.height / (double(side) * side) / n;
  }
  CHECK(mean == Approx(expected).margin(0.006));
}

TEST_CASE("RandomResizedCrop falls back to torchvision's centred crop", "[data][transforms]") {
  const TransformConfig config = TransformConfig::train();
  // No proposal fits: 8% of 100000 pixels at an aspect of at most 4/3 is taller than 10 pixels.
  const CropParams wide = crop(10000, 10, config, 3);
  CHECK(wide.height == 10);
  CHECK(wide.width == 13);  // round(10 * 4/3)
  CHECK(wide.top == 0);
  CHECK(wide.left == (10000 - 13) / 2);
  const CropParams tall = crop(10, 10000, config, 3);
  CHECK(tall.width == 10);
  CHECK(tall.height == 13);  // round(10 / (3/4))
  CHECK(tall.top == (10000 - 13) / 2);
}

TEST_CASE("plans are a function of the key only and flip half the time", "[data][transforms]") {
  const TransformConfig config = TransformConfig::train();
  int flips = 0;
  const int n = 4000;
  for (int i = 0; i < n; ++i) {
    Rng a(RngKey{5, RngPurpose::augmentation, 2, static_cast<std::uint32_t>(i)});
    Rng b(RngKey{5, RngPurpose::augmentation, 2, static_cast<std::uint32_t>(i)});
    const SamplePlan pa = plan_sample(config, 500, 375, a), pb = plan_sample(config, 500, 375, b);
    REQUIRE(pa.box.x0 == pb.box.x0);
    REQUIRE(pa.box.y1 == pb.box.y1);
    REQUIRE(pa.flip == pb.flip);
    flips += pa.flip;
  }
  CHECK(flips == Approx(n / 2).margin(n * 0.04));
  Rng e0(RngKey{5, RngPurpose::augmentation, 0, 1}), e1(RngKey{5, RngPurpose::augmentation, 1, 1});
  CHECK(plan_sample(config, 500, 375, e0).box.x0 != plan_sample(config, 500, 375, e1).box.x0);
}

TEST_CASE("evaluation resize + centre crop uses torchvision's geometry", "[data][transforms]") {
  const TransformConfig config = TransformConfig::eval(224, 256);
  Rng rng(RngKey{});
  // 500x375 -> Resize(256) gives 341x256 (int(256 * 500 / 375)); CenterCrop(224) offsets
  // round((256-224)/2) = 16 and round((341-224)/2) = round(58.5) = 58 (half to even).
  const SamplePlan p = plan_sample(config, 500, 375, rng);
  CHECK_FALSE(p.flip);
  CHECK(p.box.x0 == Approx(58 * 500.0 / 341));
  CHECK(p.box.x1 == Approx((58 + 224) * 500.0 / 341));
  CHECK(p.box.y0 == Approx(16 * 375.0 / 256));
  CHECK(p.box.y1 == Approx((16 + 224) * 375.0 / 256));
  CHECK(p.clip == PixelRect{0, 0, 500, 375});
  // Portrait.
  const SamplePlan q = plan_sample(config, 300, 400, rng);
  CHECK(q.box.y0 == Approx(std::nearbyint((341 - 224) / 2.0) * 400.0 / 341));
  CHECK(q.box.x0 == Approx(16 * 300.0 / 256));
}

TEST_CASE("CIFAR pad-and-crop shifts with zero fill and mirrors", "[data][transforms]") {
  const test_util::RgbImage img = test_util::test_pattern(32, 32, 8);
  std::vector<std::uint8_t> out(32 * 32 * 3);
  pad_crop(img.view(), -3, 2, 32, false, out.data());
  for (int y = 0; y < 32; ++y)
    for (int x = 0; x < 32; ++x)
      for (int c = 0; c < 3; ++c) {
        const int sx = x - 3, sy = y + 2;
        const int want = (sx >= 0 && sy < 32) ? img.at(sx, sy, c) : 0;
        REQUIRE(out[(y * 32 + x) * 3 + c] == want);
      }
  std::vector<std::uint8_t> flipped(32 * 32 * 3);
  pad_crop(img.view(), -3, 2, 32, true, flipped.data());
  for (int y = 0; y < 32; ++y)
    for (int x = 0; x < 32; ++x) REQUIRE(flipped[(y * 32 + x) * 3] == out[(y * 32 + 31 - x) * 3]);

  const TransformConfig config = TransformConfig::cifar_train(32, 4);
  std::vector<int> seen_x(9, 0);
  for (std::uint32_t i = 0; i < 2000; ++i) {
    Rng rng(RngKey{1, RngPurpose::augmentation, 0, i});
    const SamplePlan p = plan_sample(config, 32, 32, rng);
    REQUIRE(p.pad_crop);
    REQUIRE(p.offset_x >= -4);
    REQUIRE(p.offset_x <= 4);
    REQUIRE(p.offset_y >= -4);
    REQUIRE(p.offset_y <= 4);
    ++seen_x[p.offset_x + 4];
  }
  for (int count : seen_x) CHECK(count > 150);  // all nine offsets, roughly uniformly
}

TEST_CASE("transform settings are validated", "[data][transforms]") {
  TransformConfig bad = TransformConfig::eval(224, 200);
  CHECK_THROWS_WITH(bad.validate(), Catch::Contains("transform.resize"));
  TransformConfig scale = TransformConfig::train();
  scale.scale_min = 0;
  CHECK_THROWS_WITH(scale.validate(), Catch::Contains("transform.scale"));
}
