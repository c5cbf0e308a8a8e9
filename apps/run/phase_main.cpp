#include "apps/run/phase_main.h"

#include <algorithm>
#include <cstdio>

#include "apps/run/command_line.h"
#include "apps/run/runner.h"

namespace autospace::apps {

namespace {

constexpr int kStopped = 130;  // as a shell reports a process ended by SIGINT

Invocation read_invocation(int argc, char** argv, const std::string& usage, const std::vector<std::string>& value_options) {
  Invocation invocation;
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto option = std::find_if(value_options.begin(), value_options.end(),
                                     [&](const std::string& o) { return arg == o || arg.rfind(o + "=", 0) == 0; });
    if (i == 0 || option == value_options.end()) {
      rest.push_back(argv[i]);
    } else if (arg == *option) {
      if (i + 1 >= argc) throw UsageError(arg + " needs a value\n" + usage);
      invocation.options[arg] = argv[++i];
    } else {
      invocation.options[*option] = arg.substr(option->size() + 1);
    }
  }
  const CommandLine cl = parse_command_line(static_cast<int>(rest.size()), rest.data(), usage);
  if (!cl.flags.empty()) throw UsageError("unknown option " + cl.flags.front() + "\n" + usage);
  invocation.file = cl.config;
  if (std::filesystem::is_directory(invocation.file))
    throw UsageError(cl.config + ": is a directory, not a run description (a JSON file)\n" + usage);
  if (!std::filesystem::exists(invocation.file)) throw UsageError(cl.config + ": no such file\n" + usage);
  invocation.description = nas::read_json_file(invocation.file);
  for (const std::string& o : cl.overrides) apply_override(invocation.description, o);
  return invocation;
}

}  // namespace

int program_main(const std::string& program, const std::string& usage, int argc, char** argv,
                 const std::vector<std::string>& value_options, const std::function<int(const Invocation&)>& body) {
  Invocation invocation;
  try {
    invocation = read_invocation(argc, argv, usage, value_options);
  } catch (const UsageError& e) {
    const std::string message = e.what();
    std::fprintf(stderr, "%s: %s%s", program.c_str(), message.c_str(), message.ends_with('\n') ? "" : "\n");
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", program.c_str(), e.what());
    return 1;
  }
  try {
    return body(invocation);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", program.c_str(), e.what());
    return 1;
  }
}

int phase_main(const std::string& program, const std::string& usage, int argc, char** argv,
               const std::vector<std::string>& value_options,
               const std::function<std::unique_ptr<Phase>(const Invocation&)>& make_phase) {
  return program_main(program, usage, argc, argv, value_options, [&](const Invocation& invocation) {
    const std::unique_ptr<Phase> phase = make_phase(invocation);
    try {
      return run_phase(*phase) ? phase->exit_status() : kStopped;
    } catch (const nas::JsonError& e) {  // a setting found wrong once the data is open
      throw Error(invocation.file.string() + ": " + e.what());
    }
  });
}

}  // namespace autospace::apps
