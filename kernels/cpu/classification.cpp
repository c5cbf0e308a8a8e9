#include "kernels/cpu/classification.h"

#include "kernels/common/classification.h"

namespace autospace::kernels::cpu {

void accumulate_classification(std::int64_t rows, std::int64_t classes, const float* logits,
                               const std::int64_t* labels, std::int64_t k, const float* mean_loss, float* loss_sum,
                               std::int64_t* counts) {
  std::int64_t top1 = 0, topk = 0, nonfinite = 0;
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* row = logits + r * classes;
    if (!row_finite(row, classes)) {
      ++nonfinite;
      continue;
    }
    if (labels[r] < 0 || labels[r] >= classes) continue;  // wrong, and never read out of bounds
    const std::int64_t rank = label_rank(row, classes, labels[r]);
    top1 += rank == 0;
    topk += rank < k;
  }
  counts[0] += top1;
  counts[1] += topk;
  counts[2] += nonfinite;
  if (!mean_loss) return;
  // Kahan: loss_sum[1] carries what the last addition rounded away.
  const float term = mean_loss[0] * static_cast<float>(rows) - loss_sum[1];
  const float sum = loss_sum[0] + term;
  loss_sum[1] = (sum - loss_sum[0]) - term;
  loss_sum[0] = sum;
}

}  // namespace autospace::kernels::cpu
