#pragma once
#include <cstdint>

#include "kernels/common/host_device.h"

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

  AUTOSPACE_HOST_DEVICE std::int64_t out_h() const { return (in_h + 2 * pad - kernel) / stride + 1; }
  AUTOSPACE_HOST_DEVICE std::int64_t out_w() const { return (in_w + 2 * pad - kernel) / stride + 1; }

  // The in-bounds input positions [begin, end) of output position o's window along an
  // axis of `extent` input positions.
  struct Span {
    std::int64_t begin, end;
  };
  AUTOSPACE_HOST_DEVICE Span window(std::int64_t o, std::int64_t extent) const {
    const std::int64_t start = o * stride - pad;
    const std::int64_t end = start + kernel;
    return {start > 0 ? start : 0, end < extent ? end : extent};
  }

  // The output positions [begin, end) whose windows cover input position i along an
  // axis with `out_extent` output positions.
  AUTOSPACE_HOST_DEVICE Span covering(std::int64_t i, std::int64_t out_extent) const {
    const std::int64_t lowest_start = i + pad - kernel + 1;
    const std::int64_t first = lowest_start <= 0 ? 0 : (lowest_start + stride - 1) / stride;
    const std::int64_t last = (i + pad) / stride;
    return {first, (last < out_extent - 1 ? last : out_extent - 1) + 1};
  }
};

}  // namespace autospace::kernels
