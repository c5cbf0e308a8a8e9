#pragma once
// The main() of the binaries that run a description: the command line (RUN.json, --set
// overrides, the binary's own options), the description read and overridden, its settings
// parsed (every error prefixed with the file: "run.json: train.lr: ..."), the work run, and
// the exit status docs/run-descriptions.md promises: 0 done, 1 error, 2 usage error,
// 130 stopped by SIGINT/SIGTERM (resumable). Every error is printed as "<binary>: <message>";
// a setting found wrong while the phase runs (a batch larger than its set, the device) as
// "<binary>: <file>: <key>: <problem>", like the errors of reading the description.
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "apps/run/phase.h"

namespace autospace::apps {

// What the command line named.
struct Invocation {
  std::filesystem::path file;               // the run description
  nas::Json description;                    // its contents with the --set overrides applied
  std::map<std::string, std::string> options;  // the binary's own options ("--dump" -> DIR)

  // Runs `parse` (reading settings from the description), prefixing its errors with the file.
  template <class Parse>
  auto parse(const Parse& parse) const -> decltype(parse()) {
    try {
      return parse();
    } catch (const Error& e) {
      throw Error(file.string() + ": " + e.what());
    }
  }
};

// `value_options` are the options that take a value (`--dump DIR` or `--dump=DIR`); `body`
// returns the exit status.
int program_main(const std::string& program, const std::string& usage, int argc, char** argv,
                 const std::vector<std::string>& value_options, const std::function<int(const Invocation&)>& body);

// A phase binary: builds its phase from the invocation and runs it (apps/run/runner.h).
int phase_main(const std::string& program, const std::string& usage, int argc, char** argv,
               const std::vector<std::string>& value_options,
               const std::function<std::unique_ptr<Phase>(const Invocation&)>& make_phase);

}  // namespace autospace::apps
