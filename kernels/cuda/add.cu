#include "kernels/cuda/add.h"

#include "kernels/cuda/cuda_check.cuh"

namespace autospace::kernels::cuda {

template <class T> void add(std::int64_t n, const T* a, const T* b, T* out) {
  launch_map(n, [=] __device__(auto i) { out[i] = from_float<T>(to_float(a[i]) + to_float(b[i])); });
}

template void add<float>(std::int64_t, const float*, const float*, float*);
template void add<bf16>(std::int64_t, const bf16*, const bf16*, bf16*);

}  // namespace autospace::kernels::cuda
