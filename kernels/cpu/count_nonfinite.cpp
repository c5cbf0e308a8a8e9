#include "kernels/cpu/count_nonfinite.h"

#include <bit>
#include <cstdint>

namespace autospace::kernels::cpu {

void count_nonfinite(std::int64_t n, const float* x, std::int64_t* count) {
  // Exponent bits all ones is NaN or infinity; the integer test vectorises where
  // std::isfinite does not.
  std::int64_t found = 0;
#pragma omp parallel for simd reduction(+ : found) if (n > (std::int64_t{1} << 16))
  for (std::int64_t i = 0; i < n; ++i) found += (std::bit_cast<std::uint32_t>(x[i]) & 0x7f800000u) == 0x7f800000u;
  *count += found;
}

}  // namespace autospace::kernels::cpu
