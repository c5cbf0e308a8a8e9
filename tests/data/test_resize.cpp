// The fixed-point resampler against the double-precision reference.
#include "data/resize.h"
#include "tests/data/data_test_util.h"

using namespace autospace::data;
using namespace autospace::data::test_util;

namespace {

Diff run_case(const RgbImage& img, const Box& box, const PixelRect& clip, int out_w, int out_h, bool flip) {
  Resampler r;
  r.plan(box, clip, out_w, out_h);
  const PixelRect need = r.needed();
  CHECK(need.x0 >= clip.x0);
  CHECK(need.y0 >= clip.y0);
  CHECK(need.x1 <= clip.x1);
  CHECK(need.y1 <= clip.y1);
  std::vector<std::uint8_t> out(static_cast<std::size_t>(out_w) * out_h * 3);
  r.run(img.view(), flip, out.data(), out_w * 3);
  return compare(out, reference_resample(img, box, clip, out_w, out_h, flip));
}

}  // namespace

TEST_CASE("resampling matches the double-precision reference within one level", "[data][resize]") {
  const RgbImage img = test_pattern(57, 43, 9);
  const PixelRect whole{0, 0, 57, 43};
  struct Case {
    Box box;
    PixelRect clip;
    int w, h;
  };
  const Case cases[] = {
      {{0, 0, 57, 43}, whole, 20, 15},                      // shrink (wide filter)
      {{0, 0, 57, 43}, whole, 100, 80},                     // enlarge
      {{0, 0, 57, 43}, whole, 57, 43},                      // same size
      {{3.3, 2.7, 40.1, 30.9}, whole, 16, 16},              // fractional box, filter sees beyond it
      {{3.3, 2.7, 40.1, 30.9}, {3, 2, 41, 31}, 16, 16},     // the box as a new image
      {{10, 5, 30, 35}, {10, 5, 30, 35}, 7, 40},            // anisotropic
      {{50, 40, 57, 43}, {50, 40, 57, 43}, 32, 32},         // tiny crop, large upscale
  };
  for (const Case& c : cases)
    for (bool flip : {false, true}) {
      INFO("box " << c.box.x0 << "," << c.box.y0 << "-" << c.box.x1 << "," << c.box.y1 << " -> " << c.w << "x" << c.h
                  << " flip " << flip);
      const Diff d = run_case(img, c.box, c.clip, c.w, c.h, flip);
      CHECK(d.max_abs <= 1.01);
      CHECK(d.mean_abs < 0.5);
    }
}

TEST_CASE("resampling keeps a flat image flat and copies at scale one", "[data][resize]") {
  RgbImage flat{40, 30, std::vector<std::uint8_t>(40 * 30 * 3, 77)};
  Resampler r;
  r.plan({1.5, 2.25, 33.3, 29.0}, {0, 0, 40, 30}, 13, 9);
  std::vector<std::uint8_t> out(13 * 9 * 3);
  r.run(flat.view(), false, out.data(), 13 * 3);
  for (std::uint8_t v : out) REQUIRE(v == 77);

  const RgbImage img = test_pattern(40, 30, 4);
  r.plan({0, 0, 40, 30}, {0, 0, 40, 30}, 40, 30);
  std::vector<std::uint8_t> copy(img.pixels.size());
  r.run(img.view(), false, copy.data(), 40 * 3);
  CHECK(copy == img.pixels);
  CHECK(r.needed() == PixelRect{0, 0, 40, 30});
}

TEST_CASE("resampling reads only the planned region of a partial source", "[data][resize]") {
  const RgbImage img = test_pattern(64, 48, 2);
  Resampler r;
  r.plan({20, 10, 44, 34}, {20, 10, 44, 34}, 12, 12);
  const PixelRect need = r.needed();
  // A view holding just the needed pixels, addressed in whole-image coordinates.
  std::vector<std::uint8_t> part;
  for (int y = need.y0; y < need.y1; ++y)
    for (int x = need.x0; x < need.x1; ++x)
      for (int c = 0; c < 3; ++c) part.push_back(static_cast<std::uint8_t>(img.at(x, y, c)));
  const ImageView view{part.data(), need.width(), need.height(), need.width() * 3, need.x0, need.y0};
  std::vector<std::uint8_t> a(12 * 12 * 3), b(12 * 12 * 3);
  r.run(view, false, a.data(), 36);
  r.run(img.view(), false, b.data(), 36);
  CHECK(a == b);
}
