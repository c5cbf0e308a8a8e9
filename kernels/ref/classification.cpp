#include "kernels/ref/classification.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace autospace::kernels::ref {

ClassificationCounts classification_counts(std::int64_t rows, std::int64_t classes, const float* logits,
                                           const std::int64_t* labels, std::int64_t k) {
  ClassificationCounts counts;
  std::vector<std::int64_t> order(static_cast<std::size_t>(classes));
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* row = logits + r * classes;
    if (!std::all_of(row, row + classes, [](float v) { return std::isfinite(v); })) {
      ++counts.nonfinite;
      continue;
    }
    std::iota(order.begin(), order.end(), std::int64_t{0});
    std::stable_sort(order.begin(), order.end(), [row](std::int64_t a, std::int64_t b) { return row[a] > row[b]; });
    const auto position = std::find(order.begin(), order.end(), labels[r]) - order.begin();
    counts.top1 += position == 0;
    counts.topk += position < k;
  }
  return counts;
}

}  // namespace autospace::kernels::ref
