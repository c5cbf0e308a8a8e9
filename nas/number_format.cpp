#include "nas/number_format.h"

#include <cmath>
#include <cstdio>

namespace autospace::nas {

std::string with_commas(std::int64_t value) {
  const std::string digits =
      std::to_string(value < 0 ? -static_cast<std::uint64_t>(value) : static_cast<std::uint64_t>(value));
  std::string out = value < 0 ? "-" : "";
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string short_count(double value) {
  const char* suffixes[] = {"", "K", "M", "G", "T"};
  int tier = 0;
  while (std::fabs(value) >= 999.95 && tier < 4) {
    value /= 1000;
    ++tier;
  }
  char buffer[32];
  if (tier == 0) std::snprintf(buffer, sizeof buffer, "%.0f", value);
  else std::snprintf(buffer, sizeof buffer, "%.1f%s", value, suffixes[tier]);
  return buffer;
}

}  // namespace autospace::nas
