#include "data/bad_file.h"

#include <sstream>

namespace autospace::data {

const char* bad_kind_name(BadKind kind) {
  switch (kind) {
    case BadKind::zero_bytes: return "zero_bytes";
    case BadKind::unreadable: return "unreadable";
    case BadKind::not_jpeg: return "not_jpeg";
    case BadKind::truncated: return "truncated";
    case BadKind::too_large: return "too_large";
    case BadKind::corrupt: return "corrupt";
  }
  return "unknown";
}

std::int64_t BadCounts::total() const {
  std::int64_t n = 0;
  for (std::int64_t c : by_kind) n += c;
  return n;
}

std::string BadCounts::summary() const {
  std::ostringstream os;
  os << total();
  if (total() == 0) return os.str();
  os << " (";
  const char* sep = "";
  for (int k = 0; k < kBadKindCount; ++k) {
    if (by_kind[k] == 0) continue;
    os << sep << by_kind[k] << ' ' << bad_kind_name(static_cast<BadKind>(k));
    sep = ", ";
  }
  os << ')';
  return os.str();
}

}  // namespace autospace::data
