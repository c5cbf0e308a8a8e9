#pragma once
// Antialiased bilinear resampling with the semantics of PIL's Image.resize(BILINEAR, box):
// a triangle filter widened by the downscale factor, so shrinking averages every source
// pixel instead of skipping some. Two separable passes in 8-bit fixed point.
#include <cstdint>
#include <vector>

#include "data/image.h"

namespace autospace::data {

class Resampler {
 public:
  // Plans resampling `box` (any sub-rectangle, fractional allowed) to out_w x out_h. The
  // filter reads only source pixels inside `clip`: the crop itself when the crop is a new
  // image (torchvision's crop-then-resize), the whole image for a resize followed by a crop.
  void plan(const Box& box, const PixelRect& clip, int out_w, int out_h);
  // Source pixels the planned resampling reads (within clip).
  PixelRect needed() const { return needed_; }
  // `src` must cover needed(). Writes out_h rows of out_w RGB pixels, mirrored when flip_x.
  void run(const ImageView& src, bool flip_x, std::uint8_t* dst, std::ptrdiff_t dst_stride);

 private:
  struct AxisTaps {
    std::vector<int> first;               // first source index per output
    std::vector<int> count;               // taps per output
    std::vector<std::int32_t> weights;    // max_taps per output, fixed point
    int max_taps = 0;
    int lo = 0, hi = 0;                   // union of the taps' source range
  };
  static void plan_axis(double b0, double b1, int clip_lo, int clip_hi, int out, AxisTaps& taps);

  AxisTaps x_, y_;
  PixelRect needed_;
  std::vector<const std::uint8_t*> rows_;
  std::vector<std::int32_t> acc_;
  std::vector<std::uint8_t> tmp_, tmp_t_, out_t_;  // intermediate, transposed, transposed result
};

}  // namespace autospace::data
