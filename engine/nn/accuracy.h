#pragma once
// Classification accuracy of a batch of logits (what every phase reports).
#include <cstdint>

#include "engine/tensor.h"

namespace autospace::nn {

// How many rows of logits [N, K] have their label among the k largest entries (ties
// broken by class index, a stable order). A row with a non-finite entry is never correct:
// a diverged network's NaN logits compare false everywhere, which a rank count would
// otherwise read as the label being on top.
std::int64_t count_topk_correct(const Tensor& logits, const Tensor& labels, int k);

// How many rows of logits [N, K] hold a NaN or an infinity.
std::int64_t count_nonfinite_rows(const Tensor& logits);

}  // namespace autospace::nn
