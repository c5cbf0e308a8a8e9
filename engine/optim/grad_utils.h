#pragma once
#include <vector>

#include "engine/tensor.h"

namespace autospace::optim {

// L2 norm over the defined gradients of `params` (NaN/inf when any gradient is non-finite).
double grad_norm(const std::vector<Tensor>& params);
// Scales the gradients so their joint norm is at most max_norm; returns the norm before.
double clip_grad_norm(const std::vector<Tensor>& params, double max_norm);

// Decides whether a step may be applied: a non-finite loss or gradient norm skips the
// step (counted); more than max_consecutive skips in a row abort the run with an Error.
class NonFiniteGuard {
 public:
  explicit NonFiniteGuard(int max_consecutive = 10) : max_consecutive_(max_consecutive) {}
  // True when the step is finite and should be applied.
  bool accept(double loss, double gradient_norm);
  std::int64_t skipped() const { return skipped_; }
  int consecutive() const { return consecutive_; }

 private:
  int max_consecutive_;
  int consecutive_ = 0;
  std::int64_t skipped_ = 0;
};

}  // namespace autospace::optim
