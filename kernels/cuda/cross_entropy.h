#pragma once
#include <cstdint>

namespace autospace::kernels::cuda {

// Device pointers; the same loss as kernels/cpu/cross_entropy.h, written to loss[0] on
// the device (no synchronisation), with each row's log-sum-exp for the backward pass. The
// labels are not validated beforehand: a label outside [0, classes) is never read past,
// it makes the loss NaN (and its row's gradient the softmax alone).
void softmax_cross_entropy(std::int64_t rows, std::int64_t classes, const float* logits, const std::int64_t* labels,
                           float smoothing, float* log_sum_exp, float* loss);

// dlogits = (grad_loss[0] / rows) * (softmax(logits) - target); grad_loss is the device
// gradient of the mean loss, read on the device.
void softmax_cross_entropy_backward(std::int64_t rows, std::int64_t classes, const float* logits,
                                    const std::int64_t* labels, const float* log_sum_exp, float smoothing,
                                    const float* grad_loss, float* dlogits);

}  // namespace autospace::kernels::cuda
