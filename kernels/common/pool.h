#pragma once
#include <algorithm>
#include <cstdint>

namespace autospace::kernels {

// k x k average pooling over NHWC with symmetric padding; each window's divisor counts
// only its in-bounds elements, so padding <= kernel / 2 keeps every window non-empty.
struct Pool2dShape {
  std::int64_t n = 1;
  std::int64_t in_h = 1;
  std::int64_t in_w = 1;
  std::int64_t c = 1;
  std::int64_t kernel = 1;
  std::int64_t stride = 1;
  std::int64_t pad = 0;

  std::int64_t out_h() const { return (in_h + 2 * pad - kernel) / stride + 1; }
  std::int64_t out_w() const { return (in_w + 2 * pad - kernel) / stride + 1; }

  // The in-bounds input positions [begin, end) of output position o's window along an
  // axis of `extent` input positions.
  struct Span {
    std::int64_t begin, end;
  };
  Span window(std::int64_t o, std::int64_t extent) const {
    const std::int64_t start = o * stride - pad;
    return {std::max<std::int64_t>(start, 0), std::min(start + kernel, extent)};
  }
};

}  // namespace autospace::kernels
