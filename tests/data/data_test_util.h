#pragma once
// Helpers shared by the data tests: temporary folders, byte files, deterministic test
// images and the independent references (TurboJPEG full decode, a double-precision
// resampler written straight from the filter's definition).
#include <turbojpeg.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "data/image.h"
#include "data/jpeg_encoder.h"

namespace autospace::data::test_util {

namespace fs = std::filesystem;

// A fresh folder under the system temp directory, removed with its content at scope exit.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = fs::temp_directory_path() /
            ("autospace-data-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

inline std::vector<std::uint8_t> read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_bytes(const fs::path& path, const std::vector<std::uint8_t>& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out);
}

struct RgbImage {
  int width = 0, height = 0;
  std::vector<std::uint8_t> pixels;
  ImageView view() const { return {pixels.data(), width, height, static_cast<std::ptrdiff_t>(width) * 3}; }
  int at(int x, int y, int c) const { return pixels[(static_cast<std::size_t>(y) * width + x) * 3 + c]; }
};

// Smooth gradients, a few hard edges and fine texture: exercises both the DCT and the filters.
inline RgbImage test_pattern(int width, int height, std::uint32_t seed) {
  RgbImage img{width, height, std::vector<std::uint8_t>(static_cast<std::size_t>(width) * height * 3)};
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      for (int c = 0; c < 3; ++c) {
        const double base = 128 + 90 * std::sin(0.05 * (x + 3 * c + seed) + 0.031 * y * (c + 1));
        const double edge = ((x / 17 + y / 13 + static_cast<int>(seed)) % 3 == 0) ? 40 : -20;
        const double texture = 15 * std::sin(0.9 * x + 1.3 * y + c);
        img.pixels[(static_cast<std::size_t>(y) * width + x) * 3 + c] =
            static_cast<std::uint8_t>(std::clamp(base + edge + texture, 0.0, 255.0));
      }
  return img;
}

inline std::vector<std::uint8_t> encode(const RgbImage& img, JpegEncodeOptions options = {}) {
  JpegEncoder encoder;
  return encoder.encode(img.view(), options);
}

// The reference decode: TurboJPEG's one-call API to RGB.
inline RgbImage turbo_decode(const std::vector<std::uint8_t>& jpeg) {
  tjhandle h = tjInitDecompress();
  REQUIRE(h != nullptr);
  int w = 0, ht = 0, subsamp = 0, colorspace = 0;
  REQUIRE(tjDecompressHeader3(h, jpeg.data(), jpeg.size(), &w, &ht, &subsamp, &colorspace) == 0);
  RgbImage img{w, ht, std::vector<std::uint8_t>(static_cast<std::size_t>(w) * ht * 3)};
  const int rc = tjDecompress2(h, jpeg.data(), jpeg.size(), img.pixels.data(), w, w * 3, ht, TJPF_RGB, 0);
  INFO(tjGetErrorStr2(h));
  REQUIRE(rc == 0);
  tjDestroy(h);
  return img;
}

// Resampling of `box` (clip-limited triangle filter widened by the downscale factor) in
// double precision, every weight computed from the definition; no fixed point, no
// truncated supports.
inline std::vector<double> reference_resample(const RgbImage& src, const Box& box, const PixelRect& clip, int out_w,
                                              int out_h, bool flip) {
  // Per output index, the (source index, weight) pairs with a non-zero weight.
  auto weights = [](double b0, double b1, int lo, int hi, int out) {
    std::vector<std::vector<std::pair<int, double>>> w(out);
    const double scale = (b1 - b0) / out, fs = std::max(scale, 1.0);
    for (int i = 0; i < out; ++i) {
      const double center = b0 + (i + 0.5) * scale;
      double total = 0;
      for (int k = lo; k < hi; ++k) {
        const double v = std::max(0.0, 1.0 - std::abs((k + 0.5 - center) / fs));
        if (v > 0) w[i].push_back({k, v});
        total += v;
      }
      for (auto& kv : w[i]) kv.second /= total;
    }
    return w;
  };
  const auto wx = weights(box.x0, box.x1, clip.x0, clip.x1, out_w);
  const auto wy = weights(box.y0, box.y1, clip.y0, clip.y1, out_h);
  std::vector<double> out(static_cast<std::size_t>(out_w) * out_h * 3, 0.0);
  for (int y = 0; y < out_h; ++y)
    for (int x = 0; x < out_w; ++x)
      for (int c = 0; c < 3; ++c) {
        double s = 0;
        for (const auto& [j, a] : wy[y])
          for (const auto& [i, b] : wx[x]) s += a * b * src.at(i, j, c);
        const int ox = flip ? out_w - 1 - x : x;
        out[(static_cast<std::size_t>(y) * out_w + ox) * 3 + c] = s;
      }
  return out;
}

struct Diff {
  double mean_abs = 0, max_abs = 0;
};
template <class A, class B>
Diff compare(const A& got, const B& want) {
  REQUIRE(got.size() == want.size());
  Diff d;
  for (std::size_t i = 0; i < got.size(); ++i) {
    const double e = std::abs(static_cast<double>(got[i]) - static_cast<double>(want[i]));
    d.mean_abs += e;
    d.max_abs = std::max(d.max_abs, e);
  }
  d.mean_abs /= static_cast<double>(std::max<std::size_t>(got.size(), 1));
  return d;
}

}  // namespace autospace::data::test_util
