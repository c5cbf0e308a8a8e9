#include "data/sample_renderer.h"

#include <algorithm>
#include <cmath>

namespace autospace::data {

SampleRenderer::SampleRenderer(const TransformConfig& config, const DecodeLimits& limits)
    : config_(config), decoder_(limits) {
  config_.validate();
}

void SampleRenderer::render_jpeg(std::span<const std::uint8_t> bytes, const RngKey& key, std::uint8_t* dst) {
  const JpegInfo& info = decoder_.open(bytes);
  Rng rng(key);
  const SamplePlan plan = plan_sample(config_, info.width, info.height, rng);
  const int size = config_.size;
  if (plan.pad_crop) {
    pad_crop(decoder_.decode_all(), plan.offset_x, plan.offset_y, size, plan.flip, dst);
    return;
  }
  const int num = choose_scale(plan.box.width(), plan.box.height(), size, size);
  const double s = num / 8.0;
  const Box box{plan.box.x0 * s, plan.box.y0 * s, plan.box.x1 * s, plan.box.y1 * s};
  const PixelRect clip{static_cast<int>(std::floor(plan.clip.x0 * s)), static_cast<int>(std::floor(plan.clip.y0 * s)),
                       std::min(static_cast<int>(std::ceil(plan.clip.x1 * s)), scaled_size(info.width, num)),
                       std::min(static_cast<int>(std::ceil(plan.clip.y1 * s)), scaled_size(info.height, num))};
  resampler_.plan(box, clip, size, size);
  const ImageView region = decoder_.decode(num, resampler_.needed());
  resampler_.run(region, plan.flip, dst, static_cast<std::ptrdiff_t>(size) * 3);
}

void SampleRenderer::render_pixels(const ImageView& image, const RngKey& key, std::uint8_t* dst) {
  Rng rng(key);
  const SamplePlan plan = plan_sample(config_, image.width, image.height, rng);
  const int size = config_.size;
  if (plan.pad_crop) {
    pad_crop(image, plan.offset_x, plan.offset_y, size, plan.flip, dst);
    return;
  }
  resampler_.plan(plan.box, plan.clip, size, size);
  resampler_.run(image, plan.flip, dst, static_cast<std::ptrdiff_t>(size) * 3);
}

}  // namespace autospace::data
