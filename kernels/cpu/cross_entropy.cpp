#include "kernels/cpu/cross_entropy.h"

#include <cmath>
#include <vector>

namespace autospace::kernels::cpu {

namespace {
constexpr std::int64_t kParallelMin = 8192;
}  // namespace

double softmax_cross_entropy(std::int64_t rows, std::int64_t classes, const float* logits,
                             const std::int64_t* labels, float smoothing, float* log_sum_exp) {
  const double off = static_cast<double>(smoothing) / static_cast<double>(classes);
  const double on = 1.0 - static_cast<double>(smoothing);
  // Per-row losses summed serially afterwards, so the result does not depend on the
  // thread count.
  std::vector<double> row_loss(static_cast<std::size_t>(rows));
#pragma omp parallel for schedule(static) if (rows * classes > kParallelMin)
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* z = logits + r * classes;
    float max = z[0];
    for (std::int64_t k = 1; k < classes; ++k) max = z[k] > max ? z[k] : max;
    double sum_exp = 0, sum_z = 0;
    for (std::int64_t k = 0; k < classes; ++k) {
      sum_exp += static_cast<double>(std::exp(z[k] - max));
      sum_z += static_cast<double>(z[k]);
    }
    const double lse = static_cast<double>(max) + std::log(sum_exp);
    log_sum_exp[r] = static_cast<float>(lse);
    // sum_k target_k * (lse - z_k), the targets summing to 1.
    row_loss[static_cast<std::size_t>(r)] = lse - on * static_cast<double>(z[labels[r]]) - off * sum_z;
  }
  double total = 0;
  for (double l : row_loss) total += l;
  return total / static_cast<double>(rows);
}

void softmax_cross_entropy_backward(std::int64_t rows, std::int64_t classes, const float* logits,
                                    const std::int64_t* labels, const float* log_sum_exp, float smoothing, float scale,
                                    float* dlogits) {
  const float off = smoothing / static_cast<float>(classes);
  const float on = 1.0f - smoothing;
#pragma omp parallel for schedule(static) if (rows * classes > kParallelMin)
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* z = logits + r * classes;
    float* d = dlogits + r * classes;
    const float lse = log_sum_exp[r];
    for (std::int64_t k = 0; k < classes; ++k) d[k] = scale * (std::exp(z[k] - lse) - off);
    d[labels[r]] -= scale * on;
  }
}

}  // namespace autospace::kernels::cpu
