#pragma once
// JPEG decoding through libjpeg-turbo's libjpeg API, chosen over the TurboJPEG API for the
// hot path because it can decode in the DCT domain at 1/2, 1/4 or 1/8 scale, decode only a
// band of columns (jpeg_crop_scanline) and skip rows (jpeg_skip_scanlines), so a small
// RandomResizedCrop of a large photo costs a fraction of a full decode. One decoder per
// thread; it reuses its libjpeg state and buffers across images.
//
// Every failure is a BadImage naming the kind: an empty file, another format (named), a
// header announcing more pixels than allowed (checked before anything is allocated), data
// ending before the image does, or a stream libjpeg rejects. Warnings about recoverable
// corruption (extraneous bytes, bad restart markers) are tolerated, as PIL does.
#include <cstdint>
#include <memory>
#include <span>

#include "data/image.h"

namespace autospace::data {

struct DecodeLimits {
  // Decompression-bomb guard: images whose header announces more pixels are refused.
  std::int64_t max_pixels = 100'000'000;
};

enum class JpegColor : std::uint8_t { gray, rgb, ycbcr, cmyk, ycck, unknown };
const char* jpeg_color_name(JpegColor color);

struct JpegInfo {
  int width = 0, height = 0, components = 0;
  JpegColor color = JpegColor::unknown;
  bool progressive = false;
  bool adobe = false;  // Adobe APP14 marker: CMYK/YCCK samples are stored inverted
};

// Size of a dimension decoded at scale_num/8 (libjpeg rounds up).
int scaled_size(int size, int scale_num);
// The strongest DCT-domain reduction (scale_num 1, 2 or 4 of 8; 8 when none) that still
// leaves a box of box_w x box_h source pixels at least out_w x out_h pixels large. Only
// these scales have SIMD IDCTs in libjpeg-turbo.
int choose_scale(double box_w, double box_h, int out_w, int out_h);

class JpegDecoder {
 public:
  explicit JpegDecoder(DecodeLimits limits = {});
  ~JpegDecoder();
  JpegDecoder(const JpegDecoder&) = delete;
  JpegDecoder& operator=(const JpegDecoder&) = delete;

  // Parses the header. `bytes` must stay valid until decode() returns. Throws BadImage.
  const JpegInfo& open(std::span<const std::uint8_t> bytes);
  // Decodes `region` of the opened image scaled by scale_num/8, as RGB (grayscale
  // replicated, CMYK/YCCK converted). The region is given in scaled coordinates; the
  // returned view may be wider (libjpeg crops at iMCU column boundaries) and stays valid
  // until the next call. Throws BadImage; the image is closed either way.
  ImageView decode(int scale_num, PixelRect region);
  ImageView decode_all(int scale_num = 8);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace autospace::data
