#include "data/resize.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/common/check.h"

namespace autospace::data {

namespace {

constexpr int kShift = 14;  // weights sum to 1 << kShift; 255 * 2^14 stays far from int32 overflow
constexpr std::int32_t kOne = 1 << kShift;
constexpr std::int32_t kHalf = 1 << (kShift - 1);

// The one inner loop of both passes: out[j] = sum_k w[k] * rows[k][j] over n contiguous
// bytes. Weights are non-negative and sum to kOne, so the result needs no clamping and
// the loops vectorise; the AVX2 clone (chosen at load time where the CPU has it) has
// 8-wide 32-bit multiplies that SSE2 lacks.
#if defined(__GNUC__) && defined(__x86_64__)
__attribute__((target_clones("avx2", "default")))
#endif
void filter_rows(const std::uint8_t* const* rows, const std::int32_t* w, int taps, int n, std::int32_t* acc,
                 std::uint8_t* out) {
  for (int j = 0; j < n; ++j) acc[j] = kHalf;
  for (int k = 0; k < taps; ++k) {
    const std::uint8_t* row = rows[k];
    const std::int32_t wk = w[k];
    for (int j = 0; j < n; ++j) acc[j] += wk * row[j];
  }
  for (int j = 0; j < n; ++j) out[j] = static_cast<std::uint8_t>(acc[j] >> kShift);
}

// Pixel-wise transpose of a rows x cols RGB image (src_stride bytes per row) into a
// cols x rows one; mirror reverses the order of the output columns (a horizontal flip).
// Pixels move as 4-byte words: each output row is written in increasing order, so the
// extra byte lands on the next pixel before that pixel is written (the last pixel of a
// row moves as 3 bytes). The extra byte read needs one spare byte after `src`. Tiles
// keep the rows read and written in L1.
void transpose(const std::uint8_t* src, std::ptrdiff_t src_stride, int rows, int cols, std::uint8_t* dst,
               std::ptrdiff_t dst_stride, bool mirror) {
  constexpr int kTile = 16;
  for (int o0 = 0; o0 < rows; o0 += kTile) {
    const int o1 = std::min(o0 + kTile, rows);
    for (int c = 0; c < cols; ++c) {
      std::uint8_t* out = dst + c * dst_stride;
      const std::uint8_t* in = src + c * 3;
      for (int o = o0; o < o1; ++o) {
        const int r = mirror ? rows - 1 - o : o;
        std::uint32_t pixel;
        std::memcpy(&pixel, in + r * src_stride, 4);
        std::memcpy(out + o * 3, &pixel, o + 1 < rows ? 4 : 3);
      }
    }
  }
}

}  // namespace

void Resampler::plan_axis(double b0, double b1, int clip_lo, int clip_hi, int out, AxisTaps& taps) {
  AUTOSPACE_CHECK(out > 0 && b1 > b0 && clip_hi > clip_lo, "resample box [", b0, ", ", b1, ") clip [", clip_lo, ", ",
                  clip_hi, ") to ", out);
  const double scale = (b1 - b0) / out;
  const double filter_scale = std::max(scale, 1.0);  // widen the triangle when shrinking
  const double support = filter_scale;
  taps.max_taps = static_cast<int>(std::ceil(support)) * 2 + 1;
  taps.first.assign(out, 0);
  taps.count.assign(out, 0);
  taps.weights.assign(static_cast<std::size_t>(out) * taps.max_taps, 0);
  taps.lo = clip_hi;
  taps.hi = clip_lo;
  std::vector<double> w(taps.max_taps);
  for (int i = 0; i < out; ++i) {
    const double center = b0 + (i + 0.5) * scale;
    int lo = std::max(static_cast<int>(std::floor(center - support + 0.5)), clip_lo);
    int hi = std::min(static_cast<int>(std::floor(center + support + 0.5)), clip_hi);
    double total = 0;
    for (int k = lo; k < hi; ++k) {
      const double t = std::abs((k + 0.5 - center) / filter_scale);
      w[k - lo] = t < 1.0 ? 1.0 - t : 0.0;
      total += w[k - lo];
    }
    if (total <= 0) {  // the box lies (almost) outside the clip: take the nearest pixel
      lo = std::clamp(static_cast<int>(std::floor(center)), clip_lo, clip_hi - 1);
      hi = lo + 1;
      w[0] = total = 1;
    }
    // Zero-weight taps at either end cost time and widen the decoded region for nothing.
    int first = 0, last = hi - lo;
    while (first < last && w[first] == 0) ++first;
    while (last > first && w[last - 1] == 0) --last;
    std::int32_t* fixed = &taps.weights[static_cast<std::size_t>(i) * taps.max_taps];
    std::int32_t sum = 0;
    int largest = 0;
    for (int k = first; k < last; ++k) {
      fixed[k - first] = static_cast<std::int32_t>(std::lround(w[k] / total * kOne));
      sum += fixed[k - first];
      if (fixed[k - first] > fixed[largest]) largest = k - first;
    }
    fixed[largest] += kOne - sum;  // rounding residue: a flat image must stay exactly flat
    taps.first[i] = lo + first;
    taps.count[i] = last - first;
    taps.lo = std::min(taps.lo, lo + first);
    taps.hi = std::max(taps.hi, lo + last);
  }
}

void Resampler::plan(const Box& box, const PixelRect& clip, int out_w, int out_h) {
  plan_axis(box.x0, box.x1, clip.x0, clip.x1, out_w, x_);
  plan_axis(box.y0, box.y1, clip.y0, clip.y1, out_h, y_);
  needed_ = {x_.lo, y_.lo, x_.hi, y_.hi};
}

void Resampler::run(const ImageView& src, bool flip_x, std::uint8_t* dst, std::ptrdiff_t dst_stride) {
  const PixelRect have = src.rect();
  AUTOSPACE_CHECK(have.x0 <= needed_.x0 && have.y0 <= needed_.y0 && have.x1 >= needed_.x1 && have.y1 >= needed_.y1,
                  "resample source does not cover the planned region");
  const int out_w = static_cast<int>(x_.first.size());
  const int out_h = static_cast<int>(y_.first.size());
  const int span_px = needed_.x1 - needed_.x0;
  const int span = span_px * 3;
  const int column = out_h * 3;  // bytes of one transposed column
  rows_.resize(static_cast<std::size_t>(std::max(y_.max_taps, x_.max_taps)));
  acc_.resize(static_cast<std::size_t>(std::max(span, column)));
  // Vertical pass over whole rows of the needed columns.
  tmp_.resize(static_cast<std::size_t>(out_h) * span + 1);  // + the transpose's spare byte
  const std::ptrdiff_t col0 = static_cast<std::ptrdiff_t>(needed_.x0 - src.origin_x) * 3;
  for (int y = 0; y < out_h; ++y) {
    for (int k = 0; k < y_.count[y]; ++k) rows_[k] = src.row(y_.first[y] + k) + col0;
    filter_rows(rows_.data(), &y_.weights[static_cast<std::size_t>(y) * y_.max_taps], y_.count[y], span, acc_.data(),
                &tmp_[static_cast<std::size_t>(y) * span]);
  }
  // The horizontal pass runs as a vertical one over the transposed intermediate, so it
  // too filters contiguous bytes; the flip is folded into the final transpose.
  tmp_t_.resize(static_cast<std::size_t>(span_px) * column);
  transpose(tmp_.data(), span, out_h, span_px, tmp_t_.data(), column, false);
  out_t_.resize(static_cast<std::size_t>(out_w) * column + 1);
  for (int x = 0; x < out_w; ++x) {
    for (int k = 0; k < x_.count[x]; ++k)
      rows_[k] = &tmp_t_[static_cast<std::size_t>(x_.first[x] - needed_.x0 + k) * column];
    filter_rows(rows_.data(), &x_.weights[static_cast<std::size_t>(x) * x_.max_taps], x_.count[x], column, acc_.data(),
                &out_t_[static_cast<std::size_t>(x) * column]);
  }
  transpose(out_t_.data(), column, out_w, out_h, dst, dst_stride, flip_x);
}

}  // namespace autospace::data
