#include "engine/nn/accuracy.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/common/check.h"

namespace autospace::nn {

std::int64_t count_topk_correct(const Tensor& logits, const Tensor& labels, int k) {
  AUTOSPACE_CHECK(logits.ndim() == 2 && labels.ndim() == 1 && labels.dim(0) == logits.dim(0),
                  "count_topk_correct: logits ", shape_str(logits.shape()), ", labels ", shape_str(labels.shape()));
  const std::vector<float> v = logits.to_vector();
  const Tensor l = labels.to(Device::cpu()).to(DType::i64);
  const std::int64_t n = logits.dim(0), classes = logits.dim(1);
  std::int64_t correct = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const float* row = v.data() + i * classes;
    if (!std::all_of(row, row + classes, [](float x) { return std::isfinite(x); })) continue;
    const float target = row[l.data<std::int64_t>()[i]];
    // Rank of the label: entries strictly larger, plus equal ones before it (a stable order).
    std::int64_t above = 0;
    for (std::int64_t c = 0; c < classes; ++c)
      above += row[c] > target || (row[c] == target && c < l.data<std::int64_t>()[i]);
    correct += above < k;
  }
  return correct;
}

std::int64_t count_nonfinite_rows(const Tensor& logits) {
  AUTOSPACE_CHECK(logits.ndim() == 2, "count_nonfinite_rows: logits ", shape_str(logits.shape()));
  const std::vector<float> v = logits.to_vector();
  const std::int64_t n = logits.dim(0), classes = logits.dim(1);
  std::int64_t rows = 0;
  for (std::int64_t i = 0; i < n; ++i)
    rows += !std::all_of(v.data() + i * classes, v.data() + (i + 1) * classes, [](float x) { return std::isfinite(x); });
  return rows;
}

}  // namespace autospace::nn
