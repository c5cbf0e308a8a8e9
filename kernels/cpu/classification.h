#pragma once
#include <cstdint>

namespace autospace::kernels::cpu {

// Adds a batch's classification figures to running totals, in place:
//   counts[0] += rows whose label is the largest logit (ties: the lower class first),
//   counts[1] += rows whose label is among the k largest,
//   counts[2] += rows holding a NaN or an infinity (never counted correct);
// a row whose label lies outside [0, classes) counts as wrong (the loss refuses it);
// and, when mean_loss is given, the batch's loss sum mean_loss[0] * rows to loss_sum[0],
// compensated (Kahan) in loss_sum[1] so that a float keeps a long evaluation's sum exact
// to about double precision.
void accumulate_classification(std::int64_t rows, std::int64_t classes, const float* logits,
                               const std::int64_t* labels, std::int64_t k, const float* mean_loss, float* loss_sum,
                               std::int64_t* counts);

}  // namespace autospace::kernels::cpu
