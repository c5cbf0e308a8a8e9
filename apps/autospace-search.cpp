// Phase 2: search an architecture inside a space (DESIGN 4.5).
//   autospace-search RUN.json [--set key.path=value]...
#include <cstdio>

#include "apps/common/overrides.h"
#include "apps/common/search_run.h"

using namespace autospace;

int main(int argc, char** argv) {
  const std::string usage = "usage: autospace-search RUN.json [--set key.path=value]...";
  try {
    const apps::CommandLine cl = apps::parse_command_line(argc, argv, usage);
    if (!cl.flags.empty()) AUTOSPACE_THROW("unknown option ", cl.flags[0], "\n", usage);
    nas::Json description = nas::read_json_file(cl.config);
    for (const auto& o : cl.overrides) apps::apply_override(description, o);
    const apps::SearchOutcome outcome = apps::run_search(apps::parse_search_settings(description));
    return outcome.complete ? 0 : 3;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "autospace-search: %s\n", e.what());
    return 1;
  }
}
