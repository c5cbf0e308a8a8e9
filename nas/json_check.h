#pragma once
// Strict reading of JSON documents written by people: every problem (unknown key, wrong
// type, value out of range, missing key) is an autospace::Error whose message starts with
// the JSON path of the offending value, e.g. `layers[3].block.expansion: ...`, and a
// misspelt key or enum value gets the nearest valid one as a suggestion.
#include <cstdint>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "kernels/common/check.h"

namespace autospace::nas {

// Key order is kept so that files we write read in a sensible order.
using Json = nlohmann::ordered_json;

// `path` as printed in messages; the empty path is the document itself.
std::string json_where(const std::string& path);
std::string json_child(const std::string& path, std::string_view key);
std::string json_index(const std::string& path, std::size_t index);

// Short description of a value for "expected X, got Y" messages.
std::string json_describe(const Json& value);

// A problem with a description's value, its message "JSON.PATH: PROBLEM": what the phase
// binaries prefix with the description's file when it surfaces while a phase runs.
class JsonError : public Error {
 public:
  using Error::Error;
};

// Throws JsonError.
[[noreturn]] void json_fail(const std::string& path, const std::string& problem);

// An inclusive or exclusive numeric interval, printed as e.g. "(0, 1]".
struct NumberRange {
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  bool lo_open = false;
  bool hi_open = false;
};

std::int64_t json_integer(const Json& value, const std::string& path, std::int64_t min, std::int64_t max);
double json_number(const Json& value, const std::string& path, const NumberRange& range);
std::string json_string(const Json& value, const std::string& path);
bool json_boolean(const Json& value, const std::string& path);
const Json& json_array(const Json& value, const std::string& path);
// Index of `value` in `names`; anything else is an error listing the names.
std::size_t json_choice(const Json& value, const std::string& path, const std::vector<std::string>& names);

// Numbers of a checkpoint's state, which this program wrote and reads back on resume: a
// value of another type or out of range is an Error "SOURCE: checkpoint state: WHAT: ...",
// never a float converted to an integer (or a double to a float) with undefined behaviour,
// as the JSON library's get<>() would (found by fuzz_checkpoint_state).
std::int64_t state_integer(const Json& value, const std::string& what, const std::string& source,
                           std::int64_t min = 0, std::int64_t max = std::numeric_limits<std::int64_t>::max());
std::vector<std::int64_t> state_integers(const Json& value, const std::string& what, const std::string& source,
                                         std::int64_t min = 0,
                                         std::int64_t max = std::numeric_limits<std::int64_t>::max());
std::vector<float> state_floats(const Json& value, const std::string& what, const std::string& source);

// One JSON object with a fixed set of allowed keys: construction rejects anything that is
// not an object or has a key outside `keys`; the getters then check presence, type and range.
// Runs `parse`, which reads a document whose errors name paths from its own root, on a
// value nested at `path` of an enclosing document (an inline arch.json or space.json), so
// that its errors name the full path.
template <class Parse>
auto parse_nested(const std::string& path, Parse&& parse) -> decltype(parse()) {
  try {
    return parse();
  } catch (const Error& e) {
    const std::string message = e.what(), top = json_where("") + ": ";
    if (message.rfind(top, 0) == 0) json_fail(path, message.substr(top.size()));
    throw Error(json_child(path, message));
  }
}

class ObjectReader {
 public:
  ObjectReader(const Json& value, std::string path, std::vector<std::string> keys);

  bool has(std::string_view key) const;
  // The value of a key that must be present.
  const Json& at(std::string_view key) const;
  std::string path_of(std::string_view key) const { return json_child(path_, key); }
  const std::string& path() const { return path_; }

  std::int64_t integer(std::string_view key, std::int64_t min, std::int64_t max) const;
  std::int64_t integer_or(std::string_view key, std::int64_t fallback, std::int64_t min, std::int64_t max) const;
  std::optional<std::int64_t> optional_integer(std::string_view key, std::int64_t min, std::int64_t max) const;
  double number(std::string_view key, const NumberRange& range) const;
  double number_or(std::string_view key, double fallback, const NumberRange& range) const;
  std::string string(std::string_view key) const;
  std::string string_or(std::string_view key, std::string fallback) const;
  bool boolean_or(std::string_view key, bool fallback) const;
  std::size_t choice(std::string_view key, const std::vector<std::string>& names) const;
  std::optional<std::size_t> optional_choice(std::string_view key, const std::vector<std::string>& names) const;
  const Json& array(std::string_view key) const;
  ObjectReader object(std::string_view key, std::vector<std::string> keys) const;

 private:
  const Json* value_;
  std::string path_;
  std::vector<std::string> keys_;
};

// Checks that the object's "format" key names `expected` (e.g. "autospace.arch/1").
void expect_format(const ObjectReader& object, std::string_view expected);

// Parses a JSON file; syntax errors and duplicate keys name the file (and line/column).
Json read_json_file(const std::filesystem::path& file);
// Parses JSON text with the same duplicate-key check; `origin` names the source in messages.
Json parse_json_text(std::string_view text, const std::string& origin);
// Writes `value` indented, followed by a newline, replacing `file` atomically.
void write_json_file(const std::filesystem::path& file, const Json& value);

}  // namespace autospace::nas
