#pragma once
// The non-finite guard's kernels (kernels/common/step_gate.h): a step judged, the state a
// skipped step touched put back, and the running figures of the applied steps. The gate is
// f32 [1], 1 for an applied step, 0 for a skipped one, read where the work runs.
#include <cstdint>

namespace autospace::kernels::cpu {

// gate[0] and counters (i64 [kGuardCounters]) from loss[0] and norm[0].
void judge_step(const float* loss, const float* norm, float* gate, std::int64_t* counters);

// When gate[0] is 0: dst[0, n) = src[0, n), or = value where src is null. Else nothing.
void restore_unless_applied(std::int64_t n, float* dst, const float* src, float value, const float* gate);

// figures (f32 [4]) = {mean_loss[0] * rows, rows whose label is the largest logit (ties:
// the lower class first; a non-finite row or a label outside [0, classes) is wrong), rows,
// unreadable}.
void step_figures(std::int64_t rows, std::int64_t classes, const float* logits, const std::int64_t* labels,
                  const float* mean_loss, std::int64_t unreadable, float* figures);

// tally (double [kTallySlots]) += figures as gate[0] says (kernels::tally_step).
void tally_step(const float* figures, const float* gate, double* tally);

}  // namespace autospace::kernels::cpu
