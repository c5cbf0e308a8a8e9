#include "apps/common/train_meter.h"

#include <cstdio>

#include "engine/nn/accuracy.h"

namespace autospace::apps {

void TrainMeter::add(const nas::StepResult& step, const data::Batch& batch) {
  loss_sum += step.loss * static_cast<double>(batch.size());
  correct += nn::count_topk_correct(step.logits, batch.labels, 1);
  seen += batch.size();
}

TrainMeter TrainMeter::combined(const nas::DataParallel& parallel) const {
  const std::int64_t all_seen = parallel.sum(seen);
  return {loss() * static_cast<double>(all_seen), parallel.sum(correct), all_seen};
}

std::string TrainMeter::line() const {
  char text[64];
  std::snprintf(text, sizeof text, "loss %.3f  acc %.1f%%", loss(), 100 * accuracy());
  return text;
}

}  // namespace autospace::apps
