#pragma once
// The progress line every phase prints: step/total, throughput, elapsed and ETA, plus
// whatever the phase adds ("loss 2.31 acc 41.2%").
#include <chrono>
#include <cstdint>
#include <string>

namespace autospace::apps {

class Progress {
 public:
  // `print` false: counts only (the throughput is still measured).
  Progress(std::string phase, std::int64_t total_steps, std::int64_t first_step = 0, bool print = true);
  // Prints one line (to stdout) when at least `interval_seconds` passed since the last one,
  // or at the last step. `items` is how many samples this step processed.
  void step(std::int64_t step, std::int64_t items, const std::string& details);
  double items_per_second() const;
  double elapsed_seconds() const;  // since construction
  static std::string format_duration(double seconds);  // "1h02m", "4m05s", "12s"

 private:
  using Clock = std::chrono::steady_clock;
  std::string phase_;
  std::int64_t total_, first_;
  Clock::time_point start_, last_print_;
  std::int64_t items_ = 0;
  double interval_seconds_ = 5;
  bool print_ = true;
};

}  // namespace autospace::apps
