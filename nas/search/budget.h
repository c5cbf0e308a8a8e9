#pragma once
// A search's budget: which cost counts, the target and the tolerance band around it that
// the found network must land in (issue: "every search lands on its budget"). The band is
// given as fractions of the target, [0.9, 1.0] by default: at most the target, and not
// wastefully below it. Every searcher takes its bounds from here: the single-path ones
// draw only networks inside the band, the gated ones export the most probable network
// inside it (budget_export.h) and steer E[cost] towards it (BudgetController).
#include <cstdint>
#include <string>
#include <string_view>

#include "nas/cost_model.h"
#include "nas/json_check.h"

namespace autospace::nas {

// Latency counts in nanoseconds (Cost::latency_ns), so that every kind is an integer
// the budget export's dynamic programming can add exactly.
enum class CostKind { madds, params, latency };
std::string_view to_string(CostKind kind);  // "MAdds", "params", "latency"
std::int64_t cost_value(const Cost& cost, CostKind kind);

struct Budget {
  CostKind kind = CostKind::madds;
  double target = 0;               // > 0, in the kind's unit (latency: nanoseconds)
  double low = 0.9, high = 1.0;    // the band as fractions of the target, 0 <= low <= high

  double lower() const { return low * target; }
  double upper() const { return high * target; }
  double centre() const { return 0.5 * (low + high) * target; }
  bool contains(double cost) const { return cost >= lower() && cost <= upper(); }
  bool contains(const Cost& cost) const { return contains(static_cast<double>(cost_value(cost, kind))); }
  // "2.000M MAdds" or "1.250 ms" style, for messages; band() is "[lower, upper]" so.
  std::string describe(double cost) const;
  std::string band() const;
  // Costs as reports give them: counts as they are, latency in milliseconds ("ms").
  std::string_view unit() const;
  Json in_unit(double cost) const;
  // What plots divide costs by 1e6 into: "MAdds (M)", "params (M)", "latency (ms)".
  std::string axis_label() const;
};

// Steers a gated search's E[cost] into the band: a PI controller on the relative error
// e = E[cost] / target - centre of the band, whose multiplier mu = kp * e_last + ki * sum e
// weights a penalty mu * (E[cost] - centre * target) / target added to the searcher's own
// loss (proxyless-g) or subtracted from its reward (proxyless-rl) — the Lagrangian of the
// constraint E[cost] = centre, with a proportional term that damps the oscillation a pure
// dual ascent shows once the probabilities saturate. mu starts at 0 and may turn negative,
// pushing towards costlier candidates when E[cost] sits below the band.
class BudgetController {
 public:
  BudgetController(const Budget& budget, double kp, double ki);

  double multiplier() const { return kp_ * last_error_ + integral_; }
  // After every applied architecture step, with the E[cost] it started from.
  void observe(double expected_cost);

  // Checkpoint state: {"integral", "last_error"}.
  Json state() const;
  void restore(const Json& state);

 private:
  Budget budget_;
  double kp_, ki_;
  double integral_ = 0, last_error_ = 0;
};

}  // namespace autospace::nas
