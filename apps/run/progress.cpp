#include "apps/run/progress.h"

#include <cstdio>

namespace autospace::apps {

Progress::Progress(std::string phase, std::int64_t total_steps, std::int64_t first_step, bool print)
    : phase_(std::move(phase)),
      total_(total_steps),
      first_(first_step),
      start_(Clock::now()),
      last_print_(start_),
      print_(print) {}

std::string Progress::format_duration(double seconds) {
  const auto s = static_cast<std::int64_t>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%lldh%02lldm", static_cast<long long>(s / 3600), static_cast<long long>(s % 3600 / 60));
  else if (s >= 60) std::snprintf(buf, sizeof buf, "%lldm%02llds", static_cast<long long>(s / 60), static_cast<long long>(s % 60));
  else std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(s));
  return buf;
}

double Progress::elapsed_seconds() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

double Progress::items_per_second() const {
  const double elapsed = elapsed_seconds();
  return elapsed > 0 ? items_ / elapsed : 0;
}

void Progress::step(std::int64_t step, std::int64_t items, const std::string& details) {
  items_ += items;
  if (!print_) return;
  const auto now = Clock::now();
  const bool last = step + 1 >= total_;
  if (!last && std::chrono::duration<double>(now - last_print_).count() < interval_seconds_) return;
  last_print_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const std::int64_t done = step + 1 - first_;
  const double eta = done > 0 ? elapsed / done * static_cast<double>(total_ - step - 1) : 0;
  // Steps without samples (timing a latency table's parts) have no throughput to show.
  char throughput[32] = "";
  if (items_ > 0) std::snprintf(throughput, sizeof throughput, "  %.1f img/s", items_per_second());
  std::printf("[%s] step %lld/%lld%s  elapsed %s  eta %s  %s\n", phase_.c_str(), static_cast<long long>(step + 1),
              static_cast<long long>(total_), throughput, format_duration(elapsed).c_str(),
              format_duration(eta).c_str(), details.c_str());
  std::fflush(stdout);
}

}  // namespace autospace::apps
