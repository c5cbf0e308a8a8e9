#include "kernels/cpu/cast.h"

namespace autospace::kernels::cpu {

template <class From, class To> void convert(std::int64_t n, const From* in, To* out) {
#pragma omp parallel for simd schedule(static) if (n > 65536)
  for (std::int64_t i = 0; i < n; ++i) out[i] = from_float<To>(to_float(in[i]));
}

template void convert<float, bf16>(std::int64_t, const float*, bf16*);
template void convert<bf16, float>(std::int64_t, const bf16*, float*);

}  // namespace autospace::kernels::cpu
