#include "kernels/cpu/add.h"

namespace autospace::kernels::cpu {

void add(std::int64_t n, const float* a, const float* b, float* out) {
#pragma omp parallel for simd schedule(static) if (n > 32768)
  for (std::int64_t i = 0; i < n; ++i) out[i] = a[i] + b[i];
}

}  // namespace autospace::kernels::cpu
