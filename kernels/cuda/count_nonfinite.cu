#include "kernels/cuda/count_nonfinite.h"

#include "kernels/cuda/cuda_check.cuh"

namespace autospace::kernels::cuda {

void count_nonfinite(std::int64_t n, const float* x, std::int64_t* count) {
  // Non-finite values are the rare case (a diverged network), so one atomic per value
  // found costs nothing in the common one.
  auto* c = reinterpret_cast<unsigned long long*>(count);
  launch_map(n, [=] __device__(auto i) {
    if (!isfinite(x[i])) atomicAdd(c, 1ull);
  });
}

}  // namespace autospace::kernels::cuda
