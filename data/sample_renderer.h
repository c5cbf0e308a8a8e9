#pragma once
// Turns one sample (JPEG bytes or RGB pixels) into its transformed size x size output:
// draws the plan, then decodes only what the plan needs — at the strongest DCT scale that
// keeps the crop at least as large as the output, and only the crop's rows and columns
// plus the filter's margin — and resamples it into the batch buffer. One per thread.
#include <cstdint>
#include <span>

#include "data/jpeg_decoder.h"
#include "data/resize.h"
#include "data/transforms.h"

namespace autospace::data {

class SampleRenderer {
 public:
  SampleRenderer(const TransformConfig& config, const DecodeLimits& limits);

  // Writes size*size*3 bytes to dst. Throws BadImage for an unusable file.
  void render_jpeg(std::span<const std::uint8_t> bytes, const RngKey& key, std::uint8_t* dst);
  void render_pixels(const ImageView& image, const RngKey& key, std::uint8_t* dst);

  const TransformConfig& config() const { return config_; }

 private:
  TransformConfig config_;
  JpegDecoder decoder_;
  Resampler resampler_;
};

}  // namespace autospace::data
