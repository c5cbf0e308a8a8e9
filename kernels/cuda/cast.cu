#include "kernels/cuda/cast.h"

#include "kernels/cuda/cuda_check.cuh"

namespace autospace::kernels::cuda {

template <class From, class To> void convert(std::int64_t n, const From* in, To* out) {
  launch_map(n, [=] __device__(auto i) { out[i] = from_float<To>(to_float(in[i])); });
}

template void convert<float, bf16>(std::int64_t, const float*, bf16*);
template void convert<bf16, float>(std::int64_t, const bf16*, float*);

}  // namespace autospace::kernels::cuda
