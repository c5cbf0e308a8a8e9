#pragma once
// A batch's classification figures added to running totals where the logits lie, with
// nothing read back: an evaluation sums every batch on the device and reads the totals
// once (nn::ClassificationTotals).
#include "engine/tensor.h"

namespace autospace::ops {

// counts (i64 [3], on the logits' device) += {rows whose label is the largest logit, rows
// whose label is among the k largest, rows holding a NaN or an infinity}: ties rank the
// lower class first, a non-finite row is never correct. When mean_loss (f32 [1], the
// batch's mean loss) is defined, loss_sum (f32 [2]: sum, Kahan compensation) += mean_loss
// * rows. Labels (i64 or i32, any device) are moved to the logits' device.
void accumulate_classification(const Tensor& logits, const Tensor& labels, int k, const Tensor& mean_loss,
                               const Tensor& loss_sum, const Tensor& counts);

}  // namespace autospace::ops
