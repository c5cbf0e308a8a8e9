#pragma once
#include <cstdint>

namespace autospace::kernels::ref {

// Mean over rows of the softmax cross-entropy of logits [rows, classes] against labels
// (each in [0, classes)) with label smoothing: the target is 1 - smoothing + smoothing / classes
// on the label and smoothing / classes elsewhere.
template <class T>
T softmax_cross_entropy(std::int64_t rows, std::int64_t classes, const T* logits, const std::int64_t* labels,
                        double smoothing);

}  // namespace autospace::kernels::ref
