#include "engine/optim/schedule.h"

#include <cmath>

#include "kernels/common/check.h"

namespace autospace::optim {

namespace {
constexpr double kPi = 3.14159265358979323846;
}

CosineSchedule::CosineSchedule(float base, std::int64_t total_steps, std::int64_t warmup_steps, float final_lr,
                               float warmup_start)
    : base_(base), final_(final_lr), warmup_start_(warmup_start), total_(total_steps), warmup_(warmup_steps) {
  AUTOSPACE_CHECK(total_steps > 0 && warmup_steps >= 0 && warmup_steps <= total_steps,
                  "cosine schedule: need 0 <= warmup_steps (", warmup_steps, ") <= total_steps (", total_steps, ")");
}

float CosineSchedule::lr(std::int64_t step) const {
  if (step < warmup_) return warmup_start_ + (base_ - warmup_start_) * static_cast<float>(step) / static_cast<float>(warmup_);
  if (step >= total_) return final_;
  const double t = static_cast<double>(step - warmup_) / static_cast<double>(total_ - warmup_);
  return static_cast<float>(final_ + (base_ - final_) * 0.5 * (1.0 + std::cos(kPi * t)));
}

StepSchedule::StepSchedule(float base, std::int64_t step_size, float gamma, std::int64_t warmup_steps)
    : base_(base), gamma_(gamma), step_size_(step_size), warmup_(warmup_steps) {
  AUTOSPACE_CHECK(step_size > 0, "step schedule: step_size must be positive, got ", step_size);
}

float StepSchedule::lr(std::int64_t step) const {
  if (step < warmup_) return base_ * static_cast<float>(step + 1) / static_cast<float>(warmup_);
  return base_ * static_cast<float>(std::pow(gamma_, static_cast<double>(step / step_size_)));
}

}  // namespace autospace::optim
