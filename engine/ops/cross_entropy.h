#pragma once
#include "engine/tensor.h"

namespace autospace::ops {

// Mean over the batch of the softmax cross-entropy of logits [N, K] against integer
// labels [N] (i64 or i32), with label smoothing eps: the target puts 1 - eps + eps/K on
// the label and eps/K elsewhere. Returns a one-element tensor [1]. A label outside
// [0, K) is an error naming the row when the labels lie on the CPU; GPU labels are not
// read back (no synchronisation in a training step): there such a label makes the loss
// NaN, which the non-finite guard counts and skips (a dataset's labels are in range by
// construction: its classes are checked against the network's).
Tensor softmax_cross_entropy(const Tensor& logits, const Tensor& labels, float label_smoothing = 0.f);

}  // namespace autospace::ops
