#include "apps/run/weight_step_log.h"

namespace autospace::apps {

std::int64_t WeightStepLog::read(std::int64_t skipped_total) {
  interval_ = tally_->read().interval;
  tally_->reset({}, 0);
  const std::int64_t skipped = skipped_total - skipped_total_;
  skipped_total_ = skipped_total;
  return skipped;
}

void WeightStepLog::report_skipped(std::int64_t skipped, UnitReport& report) {
  if (skipped == 0) return;
  report.nonfinite = "loss or gradient";
  report.nonfinite_steps = skipped;
}

}  // namespace autospace::apps
