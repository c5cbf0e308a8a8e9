#include "kernels/cuda/cross_entropy.h"

#include "kernels/cuda/reduce.cuh"

namespace autospace::kernels::cuda {

namespace {

constexpr int kRowsPerBlock = kBlock / kWarp;

// One warp per row: max, then sums of exp(z - max) and of z in double; lane 0 writes
// the row's log-sum-exp and loss.
__global__ void row_loss_kernel(std::int64_t rows, std::int64_t classes, const float* logits,
                                const std::int64_t* labels, double on, double off, float* log_sum_exp,
                                double* row_loss) {
  const std::int64_t r = static_cast<std::int64_t>(blockIdx.x) * kRowsPerBlock + threadIdx.x / kWarp;
  const int lane = threadIdx.x % kWarp;
  if (r >= rows) return;
  const float* z = logits + r * classes;
  float max = -INFINITY;
  for (std::int64_t k = lane; k < classes; k += kWarp) max = fmaxf(max, z[k]);
  for (int offset = kWarp / 2; offset > 0; offset /= 2) max = fmaxf(max, __shfl_xor_sync(0xffffffffu, max, offset));
  double sum_exp = 0.0, sum_z = 0.0;
  for (std::int64_t k = lane; k < classes; k += kWarp) {
    sum_exp += static_cast<double>(expf(z[k] - max));
    sum_z += static_cast<double>(z[k]);
  }
  for (int offset = kWarp / 2; offset > 0; offset /= 2) {
    sum_exp += __shfl_down_sync(0xffffffffu, sum_exp, offset);
    sum_z += __shfl_down_sync(0xffffffffu, sum_z, offset);
  }
  if (lane != 0) return;
  const double lse = static_cast<double>(max) + log(sum_exp);
  log_sum_exp[r] = static_cast<float>(lse);
  // Labels are not checked on the host (that would read them back): one outside the row
  // makes its loss, and so the mean, NaN, which the non-finite guard skips.
  const std::int64_t y = labels[r];
  if (y < 0 || y >= classes) {
    row_loss[r] = nan("");
    return;
  }
  // sum_k target_k * (lse - z_k), the targets summing to 1.
  row_loss[r] = lse - on * static_cast<double>(z[y]) - off * sum_z;
}

}  // namespace

void softmax_cross_entropy(std::int64_t rows, std::int64_t classes, const float* logits, const std::int64_t* labels,
                           float smoothing, float* log_sum_exp, float* loss) {
  const double off = static_cast<double>(smoothing) / static_cast<double>(classes);
  const double on = 1.0 - static_cast<double>(smoothing);
  Scratch row_loss(static_cast<std::size_t>(rows) * sizeof(double));
  const auto blocks = static_cast<unsigned>((rows + kRowsPerBlock - 1) / kRowsPerBlock);
  row_loss_kernel<<<blocks, kBlock, 0, compute_stream()>>>(rows, classes, logits, labels, on, off, log_sum_exp,
                                                           row_loss.as<double>());
  AUTOSPACE_CUDA_CHECK_LAUNCH();
  const double n = static_cast<double>(rows);
  flat_finish<1>(rows, row_loss.as<double>(), [=] __device__(const double* total) {
    loss[0] = static_cast<float>(total[0] / n);
  });
}

void softmax_cross_entropy_backward(std::int64_t rows, std::int64_t classes, const float* logits,
                                    const std::int64_t* labels, const float* log_sum_exp, float smoothing,
                                    const float* grad_loss, float* dlogits) {
  const float off = smoothing / static_cast<float>(classes);
  const float on = 1.0f - smoothing;
  launch_map(rows * classes, [=] __device__(auto i) {
    using I = decltype(i);
    const I r = i / static_cast<I>(classes), k = i % static_cast<I>(classes);
    // The CPU computes g / rows as one float division; so does this.
    const float scale = grad_loss[0] / static_cast<float>(rows);
    const float d = scale * (expf(logits[i] - log_sum_exp[r]) - off);
    dlogits[i] = static_cast<std::int64_t>(k) == labels[r] ? d - scale * on : d;  // a wild label never wraps into range
  });
}

}  // namespace autospace::kernels::cuda
