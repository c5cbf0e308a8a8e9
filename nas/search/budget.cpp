#include "nas/search/budget.h"

#include <cmath>
#include <cstdio>

#include "kernels/common/check.h"

namespace autospace::nas {

std::string_view to_string(CostKind kind) {
  switch (kind) {
    case CostKind::madds:
      return "MAdds";
    case CostKind::params:
      return "params";
    case CostKind::latency:
      return "latency";
  }
  AUTOSPACE_THROW("unknown cost kind ", static_cast<int>(kind));
}

std::int64_t cost_value(const Cost& cost, CostKind kind) {
  switch (kind) {
    case CostKind::madds:
      return cost.madds;
    case CostKind::params:
      return cost.params;
    case CostKind::latency:
      return cost.latency_ns;
  }
  AUTOSPACE_THROW("unknown cost kind ", static_cast<int>(kind));
}

std::string Budget::describe(double cost) const {
  char text[64];
  if (kind == CostKind::latency)
    std::snprintf(text, sizeof text, "%.3f ms", cost / 1e6);
  else
    std::snprintf(text, sizeof text, "%.3fM %s", cost / 1e6, std::string(to_string(kind)).c_str());
  return text;
}

std::string_view Budget::unit() const { return kind == CostKind::latency ? "ms" : to_string(kind); }

Json Budget::in_unit(double cost) const {
  if (kind == CostKind::latency) return cost / 1e6;
  if (std::floor(cost) == cost) return static_cast<std::int64_t>(cost);
  return cost;
}

std::string Budget::axis_label() const {
  return kind == CostKind::latency ? "latency (ms)" : std::string(to_string(kind)) + " (M)";
}

std::string Budget::band() const {
  std::string text = "[";  // appended, not "[" + ...: GCC 12's -Wrestrict misfires on that (its bug 105329)
  text += describe(lower()) + ", " + describe(upper()) + "]";
  return text;
}

BudgetController::BudgetController(const Budget& budget, double kp, double ki) : budget_(budget), kp_(kp), ki_(ki) {
  AUTOSPACE_CHECK(budget.target > 0, "budget: the target must be positive");
}

void BudgetController::observe(double expected_cost) {
  last_error_ = (expected_cost - budget_.centre()) / budget_.target;
  integral_ += ki_ * last_error_;
}

Json BudgetController::state() const { return {{"integral", integral_}, {"last_error", last_error_}}; }

void BudgetController::restore(const Json& state) {
  integral_ = state.at("integral").get<double>();
  last_error_ = state.at("last_error").get<double>();
}

}  // namespace autospace::nas
