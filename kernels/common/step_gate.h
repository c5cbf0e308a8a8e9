#pragma once
// The non-finite guard's verdict on a training step and the running figures of the steps
// it let through, written once for the CPU loops and the CUDA kernels, so that a step is
// judged and counted by one definition wherever it ran.
#include <cstdint>

#include "kernels/common/classification.h"
#include "kernels/common/host_device.h"

namespace autospace::kernels {

// The guard's counters (i64 [kGuardCounters]).
enum GuardCounter : int {
  kJudged = 0,       // steps judged
  kSkipped,          // of them skipped
  kSkippedLoss,      // of those, with a non-finite loss (the others: a non-finite gradient)
  kConsecutive,      // skipped in a row up to the last step
  kLongestRun,       // the longest such run
  kGuardCounters
};

// gate[0] = 1 when loss and gradient norm are finite (the step is applied), else 0; the
// counters follow.
AUTOSPACE_HOST_DEVICE inline void judge_step(float loss, float norm, float* gate, std::int64_t* counters) {
  const bool loss_finite = finite_bits(loss), applied = loss_finite && finite_bits(norm);
  gate[0] = applied ? 1.f : 0.f;
  ++counters[kJudged];
  if (applied) {
    counters[kConsecutive] = 0;
    return;
  }
  ++counters[kSkipped];
  counters[kSkippedLoss] += !loss_finite;
  if (++counters[kConsecutive] > counters[kLongestRun]) counters[kLongestRun] = counters[kConsecutive];
}

// A training tally (double [kTallySlots]): the epoch's and the interval's applied steps,
// each {loss sum, top-1 correct, images, steps}, and the unreadable images of every step.
enum TallySlot : int { kTallyEpoch = 0, kTallyInterval = 4, kTallyUnreadable = 8, kTallySlots };

// A step's figures (f32 [4]: mean loss x rows, top-1 correct rows, rows, unreadable
// images; summed over ranks in a data-parallel run) added to the tally in step order, in
// double, so that a run stopped and resumed anywhere sums exactly what an uninterrupted
// one does. Only a step the gate applied counts; its unreadable images count always.
AUTOSPACE_HOST_DEVICE inline void tally_step(const float* figures, const float* gate, double* tally) {
  if (gate[0] != 0.f)
    for (int base = kTallyEpoch; base <= kTallyInterval; base += kTallyInterval - kTallyEpoch) {
      tally[base] += static_cast<double>(figures[0]);
      tally[base + 1] += static_cast<double>(figures[1]);
      tally[base + 2] += static_cast<double>(figures[2]);
      tally[base + 3] += 1.0;
    }
  tally[kTallyUnreadable] += static_cast<double>(figures[3]);
}

}  // namespace autospace::kernels
