#pragma once
// A row's finiteness and its label's rank among its logits, shared by the CPU and CUDA
// classification counts so that both backends treat ties and non-finite rows by one
// definition.
#include <cstdint>
#include <cstring>

#include "kernels/common/host_device.h"

namespace autospace::kernels {

// By the exponent bits, which no compiler flag can reason away.
AUTOSPACE_HOST_DEVICE inline bool finite_bits(float x) {
  std::uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  return (bits & 0x7f800000u) != 0x7f800000u;
}

AUTOSPACE_HOST_DEVICE inline bool row_finite(const float* row, std::int64_t classes) {
  for (std::int64_t c = 0; c < classes; ++c)
    if (!finite_bits(row[c])) return false;
  return true;
}

// The label's rank in a finite row (0: on top): entries strictly larger, plus equal ones
// before it (a stable order).
AUTOSPACE_HOST_DEVICE inline std::int64_t label_rank(const float* row, std::int64_t classes, std::int64_t label) {
  const float target = row[label];
  std::int64_t above = 0;
  for (std::int64_t c = 0; c < classes; ++c) above += row[c] > target || (row[c] == target && c < label);
  return above;
}

}  // namespace autospace::kernels
