#pragma once
#include <cstdint>

namespace autospace::kernels::cpu {

// Mean over rows of the softmax cross-entropy of logits [rows, classes] against labels
// (each in [0, classes)) with label smoothing: the target is 1 - smoothing + smoothing / classes
// on the label and smoothing / classes elsewhere. Writes each row's log-sum-exp, which
// the backward pass needs.
double softmax_cross_entropy(std::int64_t rows, std::int64_t classes, const float* logits,
                             const std::int64_t* labels, float smoothing, float* log_sum_exp);

// dlogits = scale * (softmax(logits) - target), with the softmax rebuilt from the saved
// log-sum-exp.
void softmax_cross_entropy_backward(std::int64_t rows, std::int64_t classes, const float* logits,
                                    const std::int64_t* labels, const float* log_sum_exp, float smoothing, float scale,
                                    float* dlogits);

}  // namespace autospace::kernels::cpu
