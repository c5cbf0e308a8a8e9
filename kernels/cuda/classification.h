#pragma once
#include <cstdint>

namespace autospace::kernels::cuda {

// Device pointers; the same totals as kernels/cpu/classification.h, added in place on the
// device (no synchronisation): counts[0..2] += top-1, top-k and non-finite rows, and
// loss_sum[0] += mean_loss[0] * rows (Kahan-compensated in loss_sum[1]) when mean_loss is
// given.
void accumulate_classification(std::int64_t rows, std::int64_t classes, const float* logits,
                               const std::int64_t* labels, std::int64_t k, const float* mean_loss, float* loss_sum,
                               std::int64_t* counts);

}  // namespace autospace::kernels::cuda
