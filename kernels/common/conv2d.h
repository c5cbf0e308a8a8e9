#pragma once
#include <compare>
#include <cstdint>

#include "kernels/common/host_device.h"

namespace autospace::kernels {

// A 2-D convolution over NHWC activations with OHWI weights [out_c, kernel_h, kernel_w,
// in_c / groups] and symmetric zero padding. Output sizes round down (PyTorch's rule).
struct Conv2dShape {
  std::int64_t n = 1;
  std::int64_t in_h = 1;
  std::int64_t in_w = 1;
  std::int64_t in_c = 1;
  std::int64_t out_c = 1;
  std::int64_t kernel_h = 1;
  std::int64_t kernel_w = 1;
  std::int64_t stride = 1;
  std::int64_t pad = 0;
  std::int64_t groups = 1;

  AUTOSPACE_HOST_DEVICE std::int64_t out_h() const { return (in_h + 2 * pad - kernel_h) / stride + 1; }
  AUTOSPACE_HOST_DEVICE std::int64_t out_w() const { return (in_w + 2 * pad - kernel_w) / stride + 1; }
  // Ordered so that it can key a cache of per-shape kernels.
  auto operator<=>(const Conv2dShape&) const = default;
};

}  // namespace autospace::kernels
