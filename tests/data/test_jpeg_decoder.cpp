// Decode correctness: full decodes against TurboJPEG's one-call decode of the same bytes,
// scaled/cropped decodes against crop-then-resize of the full decode, colour conversions,
// and the decompression-bomb guard.
#include <turbojpeg.h>

#include <algorithm>

#include "data/bad_file.h"
#include "data/jpeg_decoder.h"
#include "data/resize.h"
#include "data/sample_renderer.h"
#include "tests/data/data_test_util.h"
#include "tests/support/test_support.h"

using namespace autospace;
using namespace autospace::data;
using namespace autospace::data::test_util;

namespace {

std::vector<fs::path> imagenet_files(std::size_t every) {
  std::vector<fs::path> files;
  const fs::path dir = test::shared_data_dir() / "imagenet-samples";
  for (const auto& e : fs::directory_iterator(dir)) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::vector<fs::path> picked;
  for (std::size_t i = 0; i < files.size(); i += every) picked.push_back(files[i]);
  return picked;
}

// JPEGs of every layout the loader must handle, generated here so the test needs no data.
std::vector<std::pair<std::string, std::vector<std::uint8_t>>> generated_jpegs() {
  const RgbImage img = test_pattern(61, 47, 3);  // odd sizes: partial MCUs on both axes
  std::vector<std::pair<std::string, std::vector<std::uint8_t>>> out;
  for (auto [name, sub] : {std::pair{"444", ChromaSubsampling::s444}, std::pair{"422", ChromaSubsampling::s422},
                           std::pair{"420", ChromaSubsampling::s420}, std::pair{"gray", ChromaSubsampling::gray}}) {
    out.push_back({name, encode(img, {90, sub, false})});
    out.push_back({std::string(name) + "-progressive", encode(img, {90, sub, true})});
  }
  return out;
}

void check_full_decode(const std::string& name, const std::vector<std::uint8_t>& jpeg) {
  INFO(name);
  const RgbImage want = turbo_decode(jpeg);
  JpegDecoder decoder;
  const JpegInfo& info = decoder.open(jpeg);
  REQUIRE(info.width == want.width);
  REQUIRE(info.height == want.height);
  const ImageView got = decoder.decode_all();
  REQUIRE(got.width == want.width);
  REQUIRE(got.height == want.height);
  std::vector<std::uint8_t> flat(want.pixels.size());
  for (int y = 0; y < got.height; ++y)
    std::copy_n(got.row(y), got.width * 3, flat.begin() + static_cast<std::ptrdiff_t>(y) * got.width * 3);
  CHECK(compare(flat, want.pixels).max_abs == 0);
}

}  // namespace

TEST_CASE("full decode equals TurboJPEG's decode for every subsampling, progressive and grayscale", "[data][decode]") {
  for (const auto& [name, jpeg] : generated_jpegs()) check_full_decode(name, jpeg);
}

TEST_CASE("full decode equals TurboJPEG's decode on real ImageNet files", "[data][decode]") {
  if (test::shared_data_dir().empty()) AUTOSPACE_SKIP_TEST("no ../shared/data");
  for (const fs::path& f : imagenet_files(10)) check_full_decode(f.string(), read_bytes(f));
  check_full_decode("progressive", read_bytes(test::shared_data_dir() / "bad-images" / "progressive.JPEG"));
  check_full_decode("grayscale", read_bytes(test::shared_data_dir() / "bad-images" / "grayscale.JPEG"));
}

TEST_CASE("full decode equals TurboJPEG's decode on all ImageNet samples", "[data][decode][slow]") {
  if (test::shared_data_dir().empty()) AUTOSPACE_SKIP_TEST("no ../shared/data");
  for (const fs::path& f : imagenet_files(1)) check_full_decode(f.string(), read_bytes(f));
}

TEST_CASE("a cropped decode at full scale reproduces the crop of the full decode", "[data][decode]") {
  const RgbImage img = test_pattern(200, 150, 7);
  for (ChromaSubsampling sub : {ChromaSubsampling::s420, ChromaSubsampling::s444}) {
    for (bool progressive : {false, true}) {
      const std::vector<std::uint8_t> jpeg = encode(img, {85, sub, progressive});
      const RgbImage full = turbo_decode(jpeg);
      JpegDecoder decoder;
      for (const PixelRect& want : {PixelRect{37, 21, 120, 90}, PixelRect{0, 0, 200, 1}, PixelRect{150, 140, 200, 150},
                                    PixelRect{1, 149, 2, 150}}) {
        INFO("region " << want.x0 << "," << want.y0 << " " << want.x1 << "," << want.y1 << " progressive " << progressive);
        decoder.open(jpeg);
        const ImageView got = decoder.decode(8, want);
        REQUIRE(got.origin_x <= want.x0);
        REQUIRE(got.origin_x + got.width >= want.x1);
        REQUIRE(got.origin_y == want.y0);
        REQUIRE(got.height == want.height());
        int max_diff = 0;
        for (int y = want.y0; y < want.y1; ++y)
          for (int x = want.x0; x < want.x1; ++x)
            for (int c = 0; c < 3; ++c)
              max_diff = std::max(max_diff, std::abs(got.row(y)[(x - got.origin_x) * 3 + c] - full.at(x, y, c)));
        CHECK(max_diff == 0);
      }
    }
  }
}

namespace {

// The renderer's output for a plan against the reference: crop then resize the full
// TurboJPEG decode in double precision.
Diff render_against_reference(const std::vector<std::uint8_t>& jpeg, const TransformConfig& config, std::uint32_t index) {
  const RgbImage full = turbo_decode(jpeg);
  const RngKey key{42, RngPurpose::augmentation, 0, index};
  Rng rng(key);
  const SamplePlan plan = plan_sample(config, full.width, full.height, rng);
  SampleRenderer renderer(config, {});
  std::vector<std::uint8_t> got(static_cast<std::size_t>(config.size) * config.size * 3);
  renderer.render_jpeg(jpeg, key, got.data());
  return compare(got, reference_resample(full, plan.box, plan.clip, config.size, config.size, plan.flip));
}

}  // namespace

TEST_CASE("scaled and cropped decodes match crop-then-resize of the full decode", "[data][decode]") {
  // Photographic content: DCT-domain downscaling differs from filtering full-resolution
  // pixels by a little (the scaled IDCT drops the highest frequencies outright).
  std::vector<std::pair<std::string, std::vector<std::uint8_t>>> files;
  if (!test::shared_data_dir().empty()) {
    for (const fs::path& f : imagenet_files(20)) files.push_back({f.string(), read_bytes(f)});
  }
  files.push_back({"pattern", encode(test_pattern(640, 480, 11), {92, ChromaSubsampling::s420, false})});
  // The tolerance grows with the reduction: a 1/8-scale decode keeps only block means,
  // a box filter where the reference applies a wide triangle.
  struct Case {
    TransformConfig config;
    double tolerance;  // mean absolute error, in levels of 255
  };
  const Case cases[] = {{TransformConfig::train(224), 2.5},
                        {TransformConfig::eval(224, 256), 2.5},
                        {TransformConfig::train(64), 4.5},
                        {TransformConfig::eval(32, 36), 4.5}};
  double worst_mean = 0;
  for (const auto& [name, jpeg] : files) {
    for (std::uint32_t index = 0; index < 3; ++index) {
      for (const Case& c : cases) {
        INFO(name << " sample " << index << " size " << c.config.size);
        const Diff d = render_against_reference(jpeg, c.config, index);
        worst_mean = std::max(worst_mean, d.mean_abs);
        CHECK(d.mean_abs < c.tolerance);
      }
    }
  }
  INFO("worst mean abs error " << worst_mean);
  CHECK(worst_mean > 0);  // scaled decoding was exercised
}

TEST_CASE("grayscale decodes to equal R, G and B", "[data][decode]") {
  const std::vector<std::uint8_t> jpeg = encode(test_pattern(40, 30, 1), {90, ChromaSubsampling::gray, false});
  JpegDecoder decoder;
  CHECK(decoder.open(jpeg).color == JpegColor::gray);
  const ImageView v = decoder.decode_all();
  for (int y = 0; y < v.height; ++y)
    for (int x = 0; x < v.width; ++x) {
      const std::uint8_t* p = v.row(y) + x * 3;
      REQUIRE(p[0] == p[1]);
      REQUIRE(p[1] == p[2]);
    }
}

TEST_CASE("CMYK encoded as Adobe YCCK decodes to the RGB it stands for", "[data][decode]") {
  // Adobe convention (TurboJPEG writes the Adobe marker): stored value v means 255 - v
  // ink, so R = C * K / 255 with the stored values.
  const int w = 48, h = 32;
  std::vector<std::uint8_t> cmyk(static_cast<std::size_t>(w) * h * 4);
  std::vector<double> want(static_cast<std::size_t>(w) * h * 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      std::uint8_t* p = &cmyk[(static_cast<std::size_t>(y) * w + x) * 4];
      p[0] = static_cast<std::uint8_t>(60 + 3 * x);
      p[1] = static_cast<std::uint8_t>(90 + 4 * y);
      p[2] = static_cast<std::uint8_t>(200 - 2 * x);
      p[3] = static_cast<std::uint8_t>(180 + y);
      for (int c = 0; c < 3; ++c) want[(static_cast<std::size_t>(y) * w + x) * 3 + c] = p[c] * p[3] / 255.0;
    }
  tjhandle tj = tjInitCompress();
  unsigned char* buf = nullptr;
  unsigned long size = 0;
  REQUIRE(tjCompress2(tj, cmyk.data(), w, w * 4, h, TJPF_CMYK, &buf, &size, TJSAMP_444, 100, 0) == 0);
  const std::vector<std::uint8_t> jpeg(buf, buf + size);
  tjFree(buf);
  tjDestroy(tj);

  JpegDecoder decoder;
  const JpegInfo& info = decoder.open(jpeg);
  CHECK(info.color == JpegColor::ycck);
  CHECK(info.adobe);
  const ImageView v = decoder.decode_all();
  std::vector<std::uint8_t> got;
  for (int y = 0; y < h; ++y) got.insert(got.end(), v.row(y), v.row(y) + w * 3);
  const Diff d = compare(got, want);
  CHECK(d.mean_abs < 1.5);
  CHECK(d.max_abs <= 6);
}

TEST_CASE("the Adobe CMYK sample decodes to the colours PIL gives", "[data][decode]") {
  if (test::shared_data_dir().empty()) AUTOSPACE_SKIP_TEST("no ../shared/data");
  const std::vector<std::uint8_t> jpeg = read_bytes(test::shared_data_dir() / "bad-images" / "cmyk.JPEG");
  JpegDecoder decoder;
  const JpegInfo& info = decoder.open(jpeg);
  CHECK(info.color == JpegColor::cmyk);
  CHECK(info.adobe);
  const ImageView v = decoder.decode_all();
  // Per-channel means and two pixels of PIL 9.4's Image.open(...).convert("RGB").
  double mean[3] = {0, 0, 0};
  for (int y = 0; y < v.height; ++y)
    for (int x = 0; x < v.width; ++x)
      for (int c = 0; c < 3; ++c) mean[c] += v.row(y)[x * 3 + c];
  const double n = static_cast<double>(v.width) * v.height;
  CHECK(mean[0] / n == Approx(106.468).margin(0.5));
  CHECK(mean[1] / n == Approx(111.282).margin(0.5));
  CHECK(mean[2] / n == Approx(94.719).margin(0.5));
  const std::uint8_t* p = v.row(100) + 200 * 3;
  CHECK(std::abs(p[0] - 99) <= 1);
  CHECK(std::abs(p[1] - 110) <= 1);
  CHECK(std::abs(p[2] - 97) <= 1);
}

TEST_CASE("the decompression-bomb guard refuses from the header alone", "[data][decode]") {
  const std::vector<std::uint8_t> jpeg = encode(test_pattern(100, 80, 2));
  JpegDecoder strict(DecodeLimits{7999});
  try {
    strict.open(jpeg);
    FAIL("no exception");
  } catch (const BadImage& e) {
    CHECK(e.kind() == BadKind::too_large);
    CHECK(std::string(e.what()).find("100x80") != std::string::npos);
  }
  JpegDecoder enough(DecodeLimits{8000});
  CHECK(enough.open(jpeg).width == 100);
}
