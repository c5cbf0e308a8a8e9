#pragma once
#include <cstdint>

namespace autospace::kernels {

// A tensor seen as [outer, extent, inner] around the sliced axis; the slice keeps entries
// [0, count) of the middle dimension.
struct SliceShape {
  std::int64_t outer = 1;
  std::int64_t extent = 1;
  std::int64_t inner = 1;
  std::int64_t count = 1;
};

}  // namespace autospace::kernels
