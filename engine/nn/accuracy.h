#pragma once
// Classification accuracy of a batch of logits (what every phase reports).
#include <cstdint>

#include "engine/tensor.h"

namespace autospace::nn {

// How many rows of logits [N, K] have their label among the k largest entries (ties
// broken by class index, a stable order).
std::int64_t count_topk_correct(const Tensor& logits, const Tensor& labels, int k);

}  // namespace autospace::nn
