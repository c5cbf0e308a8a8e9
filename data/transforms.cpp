#include "data/transforms.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/common/check.h"

namespace autospace::data {

namespace {

// Python's round(): halves go to the even neighbour (the default FE_TONEAREST mode).
int py_round(double x) { return static_cast<int>(std::nearbyint(x)); }

// torch.randint(0, n): uniform in [0, n).
int randint(Rng& rng, int n) { return static_cast<int>(rng.below(static_cast<std::uint64_t>(n))); }

double uniform(Rng& rng, double lo, double hi) { return lo + (hi - lo) * rng.uniform_double(); }

}  // namespace

TransformConfig TransformConfig::train(int size) {
  TransformConfig c;
  c.size = size;
  return c;
}

TransformConfig TransformConfig::eval(int size, int resize) {
  TransformConfig c;
  c.kind = TransformKind::resize_center_crop;
  c.size = size;
  c.resize = resize;
  c.flip = false;
  return c;
}

TransformConfig TransformConfig::cifar_train(int size, int padding) {
  TransformConfig c;
  c.kind = TransformKind::pad_crop;
  c.size = size;
  c.padding = padding;
  return c;
}

void TransformConfig::validate() const {
  if (size < 1) AUTOSPACE_THROW("transform.size must be >= 1, got ", size);
  if (!(0 < scale_min && scale_min <= scale_max && scale_max <= 1))
    AUTOSPACE_THROW("transform.scale must satisfy 0 < min <= max <= 1, got [", scale_min, ", ", scale_max, "]");
  if (!(0 < ratio_min && ratio_min <= ratio_max))
    AUTOSPACE_THROW("transform.ratio must satisfy 0 < min <= max, got [", ratio_min, ", ", ratio_max, "]");
  if (kind == TransformKind::resize_center_crop && resize < size)
    AUTOSPACE_THROW("transform.resize (", resize, ") must be >= transform.size (", size, ")");
  if (padding < 0) AUTOSPACE_THROW("transform.padding must be >= 0, got ", padding);
}

CropParams random_resized_crop_params(int width, int height, const TransformConfig& config, Rng& rng) {
  const double area = static_cast<double>(width) * height;
  const double log_lo = std::log(config.ratio_min), log_hi = std::log(config.ratio_max);
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double target_area = area * uniform(rng, config.scale_min, config.scale_max);
    const double aspect = std::exp(uniform(rng, log_lo, log_hi));
    const int w = py_round(std::sqrt(target_area * aspect));
    const int h = py_round(std::sqrt(target_area / aspect));
    if (0 < w && w <= width && 0 < h && h <= height) {
      const int top = randint(rng, height - h + 1);
      const int left = randint(rng, width - w + 1);
      return {top, left, h, w};
    }
  }
  const double in_ratio = static_cast<double>(width) / height;
  int w = width, h = height;
  if (in_ratio < config.ratio_min) {
    h = py_round(w / config.ratio_min);
  } else if (in_ratio > config.ratio_max) {
    w = py_round(h * config.ratio_max);
  }
  return {(height - h) / 2, (width - w) / 2, h, w};
}

SamplePlan plan_sample(const TransformConfig& config, int width, int height, Rng& rng) {
  SamplePlan plan;
  switch (config.kind) {
    case TransformKind::random_resized_crop: {
      const CropParams c = random_resized_crop_params(width, height, config, rng);
      plan.box = {double(c.left), double(c.top), double(c.left + c.width), double(c.top + c.height)};
      plan.clip = {c.left, c.top, c.left + c.width, c.top + c.height};  // the crop is a new image
      break;
    }
    case TransformKind::resize_center_crop: {
      // torchvision Resize(int): the shorter side becomes `resize`, the longer one is
      // truncated, then CenterCrop rounds its offsets. The crop is mapped back to source
      // coordinates so only the pixels it needs are decoded; the filter still sees the
      // whole image around it, as it does when the full resize comes first.
      const bool landscape = width > height;
      const int short_side = landscape ? height : width;
      const int long_side = landscape ? width : height;
      const int resized_long = static_cast<int>(static_cast<std::int64_t>(config.resize) * long_side / short_side);
      const int rw = landscape ? resized_long : config.resize;
      const int rh = landscape ? config.resize : resized_long;
      const int top = py_round((rh - config.size) / 2.0);
      const int left = py_round((rw - config.size) / 2.0);
      const double sx = static_cast<double>(width) / rw, sy = static_cast<double>(height) / rh;
      plan.box = {left * sx, top * sy, (left + config.size) * sx, (top + config.size) * sy};
      plan.clip = {0, 0, width, height};
      break;
    }
    case TransformKind::pad_crop: {
      // torchvision RandomCrop(size, padding): offsets into the padded image; an image too
      // small even when padded is centred instead.
      const int range_y = height + 2 * config.padding - config.size;
      const int range_x = width + 2 * config.padding - config.size;
      const int top = range_y >= 0 ? randint(rng, range_y + 1) : range_y / 2;
      const int left = range_x >= 0 ? randint(rng, range_x + 1) : range_x / 2;
      plan.pad_crop = true;
      plan.offset_x = left - config.padding;
      plan.offset_y = top - config.padding;
      break;
    }
  }
  if (config.flip && config.kind != TransformKind::resize_center_crop) plan.flip = rng.uniform() < 0.5f;
  return plan;
}

void pad_crop(const ImageView& image, int offset_x, int offset_y, int size, bool flip, std::uint8_t* dst) {
  const PixelRect have = image.rect();
  const std::size_t row_bytes = static_cast<std::size_t>(size) * 3;
  for (int y = 0; y < size; ++y) {
    std::uint8_t* out = dst + row_bytes * y;
    const int sy = offset_y + y;
    std::memset(out, 0, row_bytes);
    if (sy < have.y0 || sy >= have.y1) continue;
    const int x_begin = std::max(have.x0 - offset_x, 0);
    const int x_end = std::min(have.x1 - offset_x, size);
    const std::uint8_t* in = image.row(sy);
    for (int x = x_begin; x < x_end; ++x) {
      const std::uint8_t* p = in + (offset_x + x - image.origin_x) * 3;
      std::uint8_t* o = out + (flip ? size - 1 - x : x) * 3;
      o[0] = p[0];
      o[1] = p[1];
      o[2] = p[2];
    }
  }
}

}  // namespace autospace::data
