#include "engine/nn/training_tally.h"

#include <cstring>

#include "engine/ops/step_gate.h"
#include "kernels/common/step_gate.h"

namespace autospace::nn {

namespace {

// A meter's figures at slots [base, base + 4) of a tally's doubles, and back. Counts are
// whole numbers far below 2^53, so a double holds them exactly.
void put(double* slots, int base, const ClassificationMeter& m) {
  slots[base] = m.loss_sum;
  slots[base + 1] = static_cast<double>(m.correct);
  slots[base + 2] = static_cast<double>(m.images);
  slots[base + 3] = static_cast<double>(m.steps);
}

ClassificationMeter get(const double* slots, int base) {
  return {slots[base], static_cast<std::int64_t>(slots[base + 1]), static_cast<std::int64_t>(slots[base + 2]),
          static_cast<std::int64_t>(slots[base + 3])};
}

}  // namespace

TrainingTally::TrainingTally(Device device) : tally_(Tensor::zeros({kernels::kTallySlots}, DType::i64, device)) {}

void TrainingTally::add(const Tensor& figures, const Tensor& gate) { ops::tally_step(figures, gate, tally_); }

TrainingTally::Figures TrainingTally::read() const {
  const Tensor host = tally_.to(Device::cpu());
  double slots[kernels::kTallySlots];
  std::memcpy(slots, host.data<std::int64_t>(), sizeof slots);
  return {get(slots, kernels::kTallyEpoch), get(slots, kernels::kTallyInterval),
          static_cast<std::int64_t>(slots[kernels::kTallyUnreadable])};
}

void TrainingTally::reset(const ClassificationMeter& epoch, std::int64_t unreadable) {
  double slots[kernels::kTallySlots] = {};
  put(slots, kernels::kTallyEpoch, epoch);
  slots[kernels::kTallyUnreadable] = static_cast<double>(unreadable);
  const Tensor host = Tensor::empty({kernels::kTallySlots}, DType::i64);
  std::memcpy(host.data<std::int64_t>(), slots, sizeof slots);
  tally_.copy_from(host);
}

}  // namespace autospace::nn
