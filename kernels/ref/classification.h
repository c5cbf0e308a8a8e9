#pragma once
#include <cstdint>

namespace autospace::kernels::ref {

struct ClassificationCounts {
  std::int64_t top1 = 0, topk = 0, nonfinite = 0;
};

// Rows of logits [rows, classes] whose label is the largest entry, among the k largest
// (ties broken by class index: the lower index ranks first), and rows holding a NaN or an
// infinity (never counted correct). Naive: each row's classes sorted.
ClassificationCounts classification_counts(std::int64_t rows, std::int64_t classes, const float* logits,
                                           const std::int64_t* labels, std::int64_t k);

}  // namespace autospace::kernels::ref
