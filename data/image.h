#pragma once
// Plain views of interleaved 8-bit RGB pixels, the currency between decoder, resampler and
// batch buffers.
#include <cstddef>
#include <cstdint>

namespace autospace::data {

// Half-open rectangle of pixels [x0, x1) x [y0, y1).
struct PixelRect {
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  int width() const { return x1 - x0; }
  int height() const { return y1 - y0; }
  bool operator==(const PixelRect&) const = default;
};

// Continuous coordinates: pixel k covers [k, k + 1).
struct Box {
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  double width() const { return x1 - x0; }
  double height() const { return y1 - y0; }
};

// A window of an RGB image. `origin` places the first pixel in the coordinates of the whole
// image, so a partially decoded region is addressed with whole-image coordinates.
struct ImageView {
  const std::uint8_t* data = nullptr;
  int width = 0, height = 0;
  std::ptrdiff_t stride = 0;  // bytes per row
  int origin_x = 0, origin_y = 0;

  const std::uint8_t* row(int image_y) const { return data + (image_y - origin_y) * stride; }
  PixelRect rect() const { return {origin_x, origin_y, origin_x + width, origin_y + height}; }
};

}  // namespace autospace::data
