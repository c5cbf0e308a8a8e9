#pragma once
#include <cstdint>
#include <vector>

#include "engine/tensor.h"

namespace autospace::optim {

// L2 norm over the defined gradients of `params` (NaN/inf when any gradient is non-finite),
// f32 [1] on their device, computed there with nothing read back (0 when none is defined).
// The gradients must all lie on one device.
Tensor grad_norm(const std::vector<Tensor>& params);
// Scales the gradients on their device so that their joint norm is at most max_norm
// (a non-finite norm scales nothing); returns the norm before, as grad_norm.
Tensor clip_grad_norm(const std::vector<Tensor>& params, double max_norm);

// Decides whether a step may be applied: a non-finite loss or gradient norm skips the step
// (counted); a run of more than max_consecutive skips in a row aborts the run with an
// Error. The verdict is computed where the step ran (judge), so a GPU's training step
// needs no synchronisation; the counts are read when the caller asks (read), which is
// where the abort happens.
class NonFiniteGuard {
 public:
  explicit NonFiniteGuard(int max_consecutive = 10) : max_consecutive_(max_consecutive) {}

  // The step's gate (f32 [1] on gradient_norm's device: 1 applied, 0 skipped) for
  // Optimizer::step, WeightEma::update and BufferSnapshot::restore_unless_applied; the
  // loss (f32, its first element; its finiteness is what counts) may lie anywhere.
  // Nothing is read. A guard judges on one device.
  Tensor judge(const Tensor& loss, const Tensor& gradient_norm);

  struct Counts {
    std::int64_t judged = 0, skipped = 0;
    std::int64_t skipped_loss = 0;  // of the skipped, those whose loss was not finite
    bool last_applied = true;
  };
  // The counts so far (a synchronisation on a GPU); throws when more than max_consecutive
  // steps in a row were skipped.
  Counts read() const;
  // judge and read, for a caller that has read the step's loss anyway: whether to apply it.
  bool accept(double loss, const Tensor& gradient_norm);

 private:
  int max_consecutive_;
  Tensor counters_;  // i64 [kernels::kGuardCounters], on the device of the first judge
};

}  // namespace autospace::optim
