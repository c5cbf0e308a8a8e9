#pragma once
#include <cstdint>
#include <memory>
#include <string>

namespace autospace::optim {

// Learning rate as a function of the global step (0-based).
class LrSchedule {
 public:
  virtual ~LrSchedule() = default;
  virtual float lr(std::int64_t step) const = 0;
};

// Linear warm-up from warmup_start to base over warmup_steps, then cosine decay from
// base to final_lr at total_steps (constant final_lr afterwards).
class CosineSchedule : public LrSchedule {
 public:
  CosineSchedule(float base, std::int64_t total_steps, std::int64_t warmup_steps = 0, float final_lr = 0.f,
                 float warmup_start = 0.f);
  float lr(std::int64_t step) const override;

 private:
  float base_, final_, warmup_start_;
  std::int64_t total_, warmup_;
};

// base * gamma^(floor(step / step_size)), after an optional linear warm-up.
class StepSchedule : public LrSchedule {
 public:
  StepSchedule(float base, std::int64_t step_size, float gamma, std::int64_t warmup_steps = 0);
  float lr(std::int64_t step) const override;

 private:
  float base_, gamma_;
  std::int64_t step_size_, warmup_;
};

}  // namespace autospace::optim
