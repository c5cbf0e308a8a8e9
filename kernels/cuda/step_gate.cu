#include "kernels/cuda/step_gate.h"

#include "kernels/common/classification.h"
#include "kernels/common/step_gate.h"
#include "kernels/cuda/cuda_check.cuh"

namespace autospace::kernels::cuda {

namespace {

__global__ void judge_kernel(const float* loss, const float* norm, float* gate, std::int64_t* counters) {
  kernels::judge_step(loss[0], norm[0], gate, counters);
}

__global__ void tally_kernel(const float* figures, const float* gate, double* tally) {
  kernels::tally_step(figures, gate, tally);
}

// One block, as the classification counts: each thread ranks every kBlock-th row, the
// block adds the counts in shared memory in a fixed order.
__global__ void figures_kernel(std::int64_t rows, std::int64_t classes, const float* logits,
                               const std::int64_t* labels, const float* mean_loss, std::int64_t unreadable,
                               float* figures) {
  __shared__ long long shared[kBlock];
  long long correct = 0;
  for (std::int64_t r = threadIdx.x; r < rows; r += blockDim.x) {
    const float* row = logits + r * classes;
    correct += labels[r] >= 0 && labels[r] < classes && row_finite(row, classes) &&
               label_rank(row, classes, labels[r]) == 0;
  }
  shared[threadIdx.x] = correct;
  __syncthreads();
  for (int half = kBlock / 2; half > 0; half /= 2) {
    if (static_cast<int>(threadIdx.x) < half) shared[threadIdx.x] += shared[threadIdx.x + half];
    __syncthreads();
  }
  if (threadIdx.x != 0) return;
  figures[0] = __fmul_rn(mean_loss[0], static_cast<float>(rows));
  figures[1] = static_cast<float>(shared[0]);
  figures[2] = static_cast<float>(rows);
  figures[3] = static_cast<float>(unreadable);
}

}  // namespace

void judge_step(const float* loss, const float* norm, float* gate, std::int64_t* counters) {
  judge_kernel<<<1, 1, 0, compute_stream()>>>(loss, norm, gate, counters);
  AUTOSPACE_CUDA_CHECK_LAUNCH();
}

void restore_unless_applied(std::int64_t n, float* dst, const float* src, float value, const float* gate) {
  launch_map(n, [=] __device__(auto i) {
    if (gate[0] == 0.f) dst[i] = src ? src[i] : value;
  });
}

void step_figures(std::int64_t rows, std::int64_t classes, const float* logits, const std::int64_t* labels,
                  const float* mean_loss, std::int64_t unreadable, float* figures) {
  figures_kernel<<<1, kBlock, 0, compute_stream()>>>(rows, classes, logits, labels, mean_loss, unreadable, figures);
  AUTOSPACE_CUDA_CHECK_LAUNCH();
}

void tally_step(const float* figures, const float* gate, double* tally) {
  tally_kernel<<<1, 1, 0, compute_stream()>>>(figures, gate, tally);
  AUTOSPACE_CUDA_CHECK_LAUNCH();
}

}  // namespace autospace::kernels::cuda
