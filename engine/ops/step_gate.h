#pragma once
// A training step's verdict kept where the step ran (kernels/common/step_gate.h): the
// non-finite guard judges it into a gate (f32 [1]: 1 applied, 0 skipped) that the
// optimiser, the weight EMA and the batch-norm restore read on the device, and its figures
// go into a running tally; nothing is read back until the caller asks (a log line).
#include <cstdint>

#include "engine/tensor.h"

namespace autospace::ops {

// gate = 1 when loss[0] and norm[0] (f32, on the counters' device) are finite, else 0;
// counters (i64 [kernels::kGuardCounters]) advance.
void judge_step(const Tensor& loss, const Tensor& norm, const Tensor& gate, const Tensor& counters);

// Where gate[0] is 0: dst = src (same shape), or = value when src is undefined.
void restore_unless_applied(const Tensor& dst, const Tensor& src, float value, const Tensor& gate);

// f32 [4] on the logits' device: {mean_loss * rows, top-1 correct rows, rows, unreadable}
// (labels i64 or i32, moved there; a label outside [0, classes) counts as wrong).
Tensor step_figures(const Tensor& logits, const Tensor& labels, const Tensor& mean_loss, std::int64_t unreadable);

// tally += figures as the gate says (kernels::tally_step). The tally is
// kernels::kTallySlots doubles kept in an i64 tensor of as many elements (the engine has
// no f64 dtype; the storage is the same size).
void tally_step(const Tensor& figures, const Tensor& gate, const Tensor& tally);

}  // namespace autospace::ops
