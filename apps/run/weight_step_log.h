#pragma once
// The figures of a supernet phase's weight steps (evolve, search) between two log lines,
// summed where the steps ran (nn::TrainingTally: loss, top-1, images, summed over the ranks
// already) and read back at each log line, which falls on the same step on every rank, with
// the steps the non-finite guard skipped since: no step reads anything back on its own.
#include <cstdint>
#include <memory>

#include "apps/run/phase.h"
#include "engine/nn/training_tally.h"
#include "nas/supernet/weight_training.h"

namespace autospace::apps {

class WeightStepLog {
 public:
  explicit WeightStepLog(Device device) : tally_(std::make_unique<nn::TrainingTally>(device)) {}

  void add(const nas::StepResult& step) { tally_->add(step.figures, step.gate); }
  // At a log line: the interval's figures read back and cleared; `skipped_total` is the
  // trainer's count of skipped steps (its read raises the guard's divergence abort).
  // Returns how many steps were skipped since the last read.
  std::int64_t read(std::int64_t skipped_total);
  // As of the last read: the log record's and the progress line's figures.
  const nn::ClassificationMeter& interval() const { return interval_; }
  // Tells the runner about `skipped` steps (read's count) in `report`.
  static void report_skipped(std::int64_t skipped, UnitReport& report);

 private:
  std::unique_ptr<nn::TrainingTally> tally_;
  nn::ClassificationMeter interval_;
  std::int64_t skipped_total_ = 0;
};

}  // namespace autospace::apps
