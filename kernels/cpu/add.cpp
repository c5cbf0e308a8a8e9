#include "kernels/cpu/add.h"

namespace autospace::kernels::cpu {

template <class T> void add(std::int64_t n, const T* a, const T* b, T* out) {
#pragma omp parallel for simd schedule(static) if (n > 32768)
  for (std::int64_t i = 0; i < n; ++i) out[i] = from_float<T>(to_float(a[i]) + to_float(b[i]));
}

template void add<float>(std::int64_t, const float*, const float*, float*);
template void add<bf16>(std::int64_t, const bf16*, const bf16*, bf16*);

}  // namespace autospace::kernels::cpu
