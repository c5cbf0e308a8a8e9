#include "kernels/cuda/classification.h"

#include "kernels/common/classification.h"
#include "kernels/cuda/cuda_check.cuh"

namespace autospace::kernels::cuda {

namespace {

// One block: each thread ranks every kBlock-th row, the block adds its counts in shared
// memory in a fixed order, and thread 0 updates the totals. A batch's logits are small
// (rows x classes), so one block is enough and keeps the result free of atomics.
__global__ void accumulate_kernel(std::int64_t rows, std::int64_t classes, const float* logits,
                                  const std::int64_t* labels, std::int64_t k, const float* mean_loss, float* loss_sum,
                                  std::int64_t* counts) {
  __shared__ long long shared[3][kBlock];
  long long top1 = 0, topk = 0, nonfinite = 0;
  for (std::int64_t r = threadIdx.x; r < rows; r += blockDim.x) {
    const float* row = logits + r * classes;
    if (!row_finite(row, classes)) {
      ++nonfinite;
      continue;
    }
    if (labels[r] < 0 || labels[r] >= classes) continue;
    const std::int64_t rank = label_rank(row, classes, labels[r]);
    top1 += rank == 0;
    topk += rank < k;
  }
  shared[0][threadIdx.x] = top1;
  shared[1][threadIdx.x] = topk;
  shared[2][threadIdx.x] = nonfinite;
  __syncthreads();
  for (int half = kBlock / 2; half > 0; half /= 2) {
    if (static_cast<int>(threadIdx.x) < half)
      for (int j = 0; j < 3; ++j) shared[j][threadIdx.x] += shared[j][threadIdx.x + half];
    __syncthreads();
  }
  if (threadIdx.x != 0) return;
  for (int j = 0; j < 3; ++j) counts[j] += shared[j][0];
  if (!mean_loss) return;
  // The CPU's Kahan step, unfused (nvcc would contract the product into an FMA).
  const float term = __fmul_rn(mean_loss[0], static_cast<float>(rows)) - loss_sum[1];
  const float sum = __fadd_rn(loss_sum[0], term);
  loss_sum[1] = __fsub_rn(__fsub_rn(sum, loss_sum[0]), term);
  loss_sum[0] = sum;
}

}  // namespace

void accumulate_classification(std::int64_t rows, std::int64_t classes, const float* logits,
                               const std::int64_t* labels, std::int64_t k, const float* mean_loss, float* loss_sum,
                               std::int64_t* counts) {
  if (rows <= 0) return;
  accumulate_kernel<<<1, kBlock, 0, compute_stream()>>>(rows, classes, logits, labels, k, mean_loss, loss_sum,
                                                        counts);
  AUTOSPACE_CUDA_CHECK_LAUNCH();
}

}  // namespace autospace::kernels::cuda
