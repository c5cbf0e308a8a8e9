#pragma once
// Numbers for people: tables, messages and drawings.
#include <cstdint>
#include <string>

namespace autospace::nas {

// 300774272 -> "300,774,272".
std::string with_commas(std::int64_t value);
// 300774272 -> "300.8M", 3504 -> "3.5K", 12 -> "12".
std::string short_count(double value);

}  // namespace autospace::nas
