#include "apps/run/command_line.h"

#include <cerrno>
#include <cstdlib>
#include <stdexcept>

#include "kernels/common/check.h"

namespace autospace::apps {

namespace {

template <class... Parts>
[[noreturn]] void throw_usage(const Parts&... parts) {
  throw UsageError(detail::concat(parts...));
}

}  // namespace

void apply_override(nas::Json& document, const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw_usage("--set ", assignment, ": expected key.path=value");
  const std::string path = assignment.substr(0, eq), text = assignment.substr(eq + 1);
  nas::Json value;
  try {
    value = nas::Json::parse(text);
  } catch (const nas::Json::parse_error&) {
    value = text;
  }
  nas::Json* node = &document;
  std::size_t start = 0;
  while (true) {
    const auto dot = path.find('.', start);
    const std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (key.empty()) throw_usage("--set ", assignment, ": empty key in \"", path, "\"");
    if (!node->is_object())
      throw_usage("--set ", assignment, ": \"", path.substr(0, start ? start - 1 : 0), "\" is not an object");
    if (dot == std::string::npos) {
      if (value.is_null())
        node->erase(key);  // null removes the key: a default comes back
      else
        (*node)[key] = value;
      return;
    }
    if (!node->contains(key)) (*node)[key] = nas::Json::object();
    node = &(*node)[key];
    start = dot + 1;
  }
}

CommandLine parse_command_line(int argc, char** argv, const std::string& usage) {
  CommandLine cl;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--set") {
      if (i + 1 >= argc) throw_usage("--set needs key.path=value\n", usage);
      cl.overrides.push_back(argv[++i]);
    } else if (arg.rfind("--set=", 0) == 0) {
      cl.overrides.push_back(arg.substr(6));
    } else if (arg.rfind("--", 0) == 0) {
      cl.flags.push_back(arg);
    } else if (cl.config.empty()) {
      cl.config = arg;
    } else {
      throw_usage("unexpected argument \"", arg, "\"\n", usage);
    }
  }
  if (cl.config.empty()) throw_usage("missing the run description (a JSON file)\n", usage);
  return cl;
}

long long parse_integer_option(const std::string& option, const char* text, long long min, long long max) {
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(text, &end, 10);
  // A usage error (std::invalid_argument), which the binaries answer with their usage text.
  if (end == text || *end != '\0' || errno == ERANGE || v < min || v > max)
    throw std::invalid_argument(option + " expects an integer in [" + std::to_string(min) + ", " +
                                std::to_string(max) + "], got \"" + text + "\"");
  return v;
}

}  // namespace autospace::apps
