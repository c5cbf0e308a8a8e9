#pragma once
// The running figures of a training loop kept where it runs: every step adds its figures
// (ops::step_figures: loss sum, top-1, images, unreadable files) to an epoch's and a log
// interval's totals on the device, as the non-finite guard's gate says, in double and in
// step order; a log line reads them back (one synchronisation) instead of every step
// reading its loss and accuracy. The sums are made step by step in double, in step order,
// so a run stopped and resumed anywhere reports exactly the same figures.
#include <cstdint>

#include "engine/nn/classification_meter.h"
#include "engine/tensor.h"

namespace autospace::nn {

class TrainingTally {
 public:
  explicit TrainingTally(Device device);

  // figures: f32 [4] (ops::step_figures, summed over the ranks); gate: f32 [1]
  // (optim::NonFiniteGuard::judge). Nothing is read.
  void add(const Tensor& figures, const Tensor& gate);

  struct Figures {
    ClassificationMeter epoch, interval;
    std::int64_t unreadable = 0;
  };
  Figures read() const;  // one synchronisation on a GPU
  // Starts from `epoch` (a resume, an empty meter at an epoch's start, or the figures just
  // read at a log line) and `unreadable`, with an empty interval.
  void reset(const ClassificationMeter& epoch, std::int64_t unreadable);

 private:
  Tensor tally_;  // kernels::kTallySlots doubles (ops::tally_step)
};

}  // namespace autospace::nn
