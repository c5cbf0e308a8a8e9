#include "nas/json_check.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "kernels/common/check.h"
#include "nas/spelling.h"

namespace autospace::nas {

std::string json_where(const std::string& path) { return path.empty() ? "(top level)" : path; }

std::string json_child(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string json_index(const std::string& path, std::size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

std::string json_describe(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::object: return "an object";
    case Json::value_t::array: return "an array";
    case Json::value_t::string: return "string " + value.dump();
    case Json::value_t::boolean: return value.get<bool>() ? "true" : "false";
    default: return value.dump();
  }
}

void json_fail(const std::string& path, const std::string& problem) {
  throw JsonError(json_where(path) + ": " + problem);
}

namespace {

std::string quoted_list(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) out += (i ? ", \"" : "\"") + names[i] + "\"";
  return out;
}

std::string format_number(double x) {
  std::ostringstream os;
  os << x;
  return os.str();
}

std::string describe_range(const NumberRange& r) {
  return std::string(r.lo_open ? "(" : "[") + format_number(r.lo) + ", " + format_number(r.hi) + (r.hi_open ? ")" : "]");
}

}  // namespace

std::int64_t json_integer(const Json& value, const std::string& path, std::int64_t min, std::int64_t max) {
  if (!value.is_number_integer()) json_fail(path, "expected an integer, got " + json_describe(value));
  // Unsigned values above INT64_MAX would wrap: compare them before converting.
  if (value.is_number_unsigned() && value.get<std::uint64_t>() > static_cast<std::uint64_t>(max))
    json_fail(path, value.dump() + " is out of range: expected an integer in [" + std::to_string(min) + ", " +
                        std::to_string(max) + "]");
  const std::int64_t x = value.get<std::int64_t>();
  if (x < min || x > max)
    json_fail(path, std::to_string(x) + " is out of range: expected an integer in [" + std::to_string(min) + ", " +
                        std::to_string(max) + "]");
  return x;
}

std::int64_t state_integer(const Json& value, const std::string& what, const std::string& source, std::int64_t min,
                           std::int64_t max) {
  try {
    return json_integer(value, what, min, max);
  } catch (const JsonError& e) {
    AUTOSPACE_THROW(source, ": checkpoint state: ", e.what());
  }
}

std::vector<std::int64_t> state_integers(const Json& value, const std::string& what, const std::string& source,
                                         std::int64_t min, std::int64_t max) {
  if (!value.is_array()) AUTOSPACE_THROW(source, ": checkpoint state: ", what, ": expected an array, got ", json_describe(value));
  std::vector<std::int64_t> out;
  for (std::size_t i = 0; i < value.size(); ++i) out.push_back(state_integer(value[i], json_index(what, i), source, min, max));
  return out;
}

std::vector<float> state_floats(const Json& value, const std::string& what, const std::string& source) {
  if (!value.is_array()) AUTOSPACE_THROW(source, ": checkpoint state: ", what, ": expected an array, got ", json_describe(value));
  std::vector<float> out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const Json& v = value[i];
    if (!v.is_number() || std::abs(v.get<double>()) > std::numeric_limits<float>::max())
      AUTOSPACE_THROW(source, ": checkpoint state: ", json_index(what, i), ": expected a float, got ", json_describe(v));
    out.push_back(static_cast<float>(v.get<double>()));
  }
  return out;
}

double json_number(const Json& value, const std::string& path, const NumberRange& range) {
  if (!value.is_number()) json_fail(path, "expected a number, got " + json_describe(value));
  const double x = value.get<double>();
  const bool below = range.lo_open ? !(x > range.lo) : !(x >= range.lo);
  const bool above = range.hi_open ? !(x < range.hi) : !(x <= range.hi);
  if (below || above) json_fail(path, value.dump() + " is out of range: expected a number in " + describe_range(range));
  return x;
}

std::string json_string(const Json& value, const std::string& path) {
  if (!value.is_string()) json_fail(path, "expected a string, got " + json_describe(value));
  return value.get<std::string>();
}

bool json_boolean(const Json& value, const std::string& path) {
  if (!value.is_boolean()) json_fail(path, "expected true or false, got " + json_describe(value));
  return value.get<bool>();
}

const Json& json_array(const Json& value, const std::string& path) {
  if (!value.is_array()) json_fail(path, "expected an array, got " + json_describe(value));
  return value;
}

std::size_t json_choice(const Json& value, const std::string& path, const std::vector<std::string>& names) {
  const std::string s = json_string(value, path);
  const auto it = std::find(names.begin(), names.end(), s);
  if (it != names.end()) return static_cast<std::size_t>(it - names.begin());
  std::string problem = "\"" + s + "\" is not one of " + quoted_list(names);
  if (const auto guess = did_you_mean(s, names)) problem += " (did you mean \"" + *guess + "\"?)";
  json_fail(path, problem);
}

ObjectReader::ObjectReader(const Json& value, std::string path, std::vector<std::string> keys)
    : value_(&value), path_(std::move(path)), keys_(std::move(keys)) {
  if (!value.is_object()) json_fail(path_, "expected an object, got " + json_describe(value));
  for (const auto& item : value.items()) {
    if (std::find(keys_.begin(), keys_.end(), item.key()) != keys_.end()) continue;
    std::string problem = "unknown key \"" + item.key() + "\"";
    if (const auto guess = did_you_mean(item.key(), keys_)) problem += " (did you mean \"" + *guess + "\"?)";
    else problem += " (allowed: " + quoted_list(keys_) + ")";
    json_fail(path_of(item.key()), problem);
  }
}

bool ObjectReader::has(std::string_view key) const {
  AUTOSPACE_CHECK(std::find(keys_.begin(), keys_.end(), key) != keys_.end(), "key \"", key, "\" was not declared");
  return value_->contains(std::string(key));
}

const Json& ObjectReader::at(std::string_view key) const {
  if (!has(key)) json_fail(path_, "missing key \"" + std::string(key) + "\"");
  return value_->at(std::string(key));
}

std::int64_t ObjectReader::integer(std::string_view key, std::int64_t min, std::int64_t max) const {
  return json_integer(at(key), path_of(key), min, max);
}

std::int64_t ObjectReader::integer_or(std::string_view key, std::int64_t fallback, std::int64_t min,
                                      std::int64_t max) const {
  return has(key) ? integer(key, min, max) : fallback;
}

std::optional<std::int64_t> ObjectReader::optional_integer(std::string_view key, std::int64_t min,
                                                           std::int64_t max) const {
  if (!has(key)) return std::nullopt;
  return integer(key, min, max);
}

double ObjectReader::number(std::string_view key, const NumberRange& range) const {
  return json_number(at(key), path_of(key), range);
}

double ObjectReader::number_or(std::string_view key, double fallback, const NumberRange& range) const {
  return has(key) ? number(key, range) : fallback;
}

std::string ObjectReader::string(std::string_view key) const { return json_string(at(key), path_of(key)); }

std::string ObjectReader::string_or(std::string_view key, std::string fallback) const {
  return has(key) ? string(key) : fallback;
}

bool ObjectReader::boolean_or(std::string_view key, bool fallback) const {
  return has(key) ? json_boolean(at(key), path_of(key)) : fallback;
}

std::size_t ObjectReader::choice(std::string_view key, const std::vector<std::string>& names) const {
  return json_choice(at(key), path_of(key), names);
}

std::optional<std::size_t> ObjectReader::optional_choice(std::string_view key,
                                                         const std::vector<std::string>& names) const {
  if (!has(key)) return std::nullopt;
  return choice(key, names);
}

const Json& ObjectReader::array(std::string_view key) const { return json_array(at(key), path_of(key)); }

ObjectReader ObjectReader::object(std::string_view key, std::vector<std::string> keys) const {
  return ObjectReader(at(key), path_of(key), std::move(keys));
}

void expect_format(const ObjectReader& object, std::string_view expected) {
  const std::string found = object.string("format");
  if (found != expected)
    json_fail(object.path_of("format"), "expected \"" + std::string(expected) + "\", got \"" + found + "\"");
}

Json parse_json_text(std::string_view text, const std::string& origin) {
  // nlohmann keeps the last of duplicate keys silently; a duplicate is almost always a
  // copy-paste mistake whose first value the author meant to change.
  std::vector<std::set<std::string>> open_objects;
  const Json::parser_callback_t reject_duplicates = [&](int, Json::parse_event_t event, Json& parsed) {
    if (event == Json::parse_event_t::object_start) open_objects.emplace_back();
    else if (event == Json::parse_event_t::object_end) open_objects.pop_back();
    else if (event == Json::parse_event_t::key && !open_objects.back().insert(parsed.get<std::string>()).second)
      AUTOSPACE_THROW(origin, ": duplicate key \"", parsed.get<std::string>(), "\"");
    return true;
  };
  try {
    return Json::parse(text.begin(), text.end(), reject_duplicates);
  } catch (const Json::exception& e) {
    // Syntax errors (parse_error) and numbers out of range (out_of_range 406): what()
    // starts with "[json.exception.parse_error.101] "; the rest says what and where.
    std::string message = e.what();
    if (const auto bracket = message.find("] "); message.rfind("[json.exception", 0) == 0 && bracket != std::string::npos)
      message = message.substr(bracket + 2);
    AUTOSPACE_THROW(origin, ": ", message);
  }
}

Json read_json_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) AUTOSPACE_THROW(file.string(), ": cannot open for reading");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_json_text(text.str(), file.string());
}

void write_json_file(const std::filesystem::path& file, const Json& value) {
  const std::filesystem::path temp = file.string() + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) AUTOSPACE_THROW(temp.string(), ": cannot open for writing");
    out << value.dump(2) << "\n";
    if (!out.flush()) AUTOSPACE_THROW(temp.string(), ": write failed");
  }
  std::error_code ec;
  std::filesystem::rename(temp, file, ec);
  if (ec) AUTOSPACE_THROW(file.string(), ": cannot replace: ", ec.message());
}

}  // namespace autospace::nas
