#pragma once
// Why an input file cannot be used. Bad files never crash the loader: each becomes a
// BadImage exception at the sample that met it, which the loader turns into a report
// (path + reason) and then skips or escalates according to its policy.
#include <array>
#include <cstdint>
#include <string>

#include "kernels/common/check.h"

namespace autospace::data {

enum class BadKind : std::uint8_t {
  zero_bytes,  // the file is empty
  unreadable,  // open/read failed (permissions, I/O error, not a regular file)
  not_jpeg,    // another format (the reason names it) or unrecognised content
  truncated,   // the JPEG data ends before the image does
  too_large,   // the header announces more pixels than DecodeLimits::max_pixels
  corrupt,     // libjpeg rejected the stream (bad markers, tables, unsupported precision)
};
inline constexpr int kBadKindCount = 6;

const char* bad_kind_name(BadKind kind);  // "zero_bytes", "truncated", ...

class BadImage : public Error {
 public:
  BadImage(BadKind kind, const std::string& reason) : Error(reason), kind_(kind) {}
  BadKind kind() const { return kind_; }

 private:
  BadKind kind_;
};

struct BadFile {
  std::string source;      // a path, or "file#record" for containers
  std::int64_t index = -1; // dataset index, -1 outside a dataset
  BadKind kind = BadKind::corrupt;
  std::string reason;      // human-readable, starts with what went wrong
};

// Bad-file counts by kind.
struct BadCounts {
  std::array<std::int64_t, kBadKindCount> by_kind{};
  void add(BadKind kind) { ++by_kind[static_cast<int>(kind)]; }
  std::int64_t total() const;
  std::string summary() const;  // "2 (1 truncated, 1 not_jpeg)", "0"
};

}  // namespace autospace::data
