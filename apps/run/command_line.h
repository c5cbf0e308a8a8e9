#pragma once
// The command line of the phase binaries: RUN.json, `--set a.b.c=value` overrides of a JSON
// run description (DESIGN 1). The value is read as JSON when it parses (numbers,
// true/false, arrays, quoted strings), else as a plain string; intermediate objects are
// created as needed; `null` removes the key, so that its default applies or another key can
// take its place (--set search.target_madds=null --set search.target_params=30000).
// Validation of the result (unknown keys, types, ranges) is the schema's job, so a misspelt
// override gets the same did-you-mean.
#include <string>
#include <vector>

#include "nas/json_check.h"

namespace autospace::apps {

// A malformed command line (exit status 2, with the usage text).
class UsageError : public Error {
 public:
  using Error::Error;
};

// Applies one "path=value" assignment; throws UsageError naming the assignment when malformed.
void apply_override(nas::Json& document, const std::string& assignment);

// Splits argv into the config path, the --set assignments and other --flags; throws
// UsageError (with `usage`) on anything else.
struct CommandLine {
  std::string config;
  std::vector<std::string> overrides;
  std::vector<std::string> flags;  // other --flags, for the binary to interpret
};
CommandLine parse_command_line(int argc, char** argv, const std::string& usage);

// The integer value of a command-line option, in [min, max]; throws std::invalid_argument
// naming the option and the range otherwise.
long long parse_integer_option(const std::string& option, const char* text, long long min, long long max);

}  // namespace autospace::apps
