// Phase 1: evolve the open space into a learned per-layer space (DESIGN 4.4).
//   autospace-evolve RUN.json [--set key.path=value]...
#include <cstdio>

#include "apps/common/evolve_run.h"
#include "apps/common/overrides.h"

using namespace autospace;

int main(int argc, char** argv) {
  const std::string usage = "usage: autospace-evolve RUN.json [--set key.path=value]...";
  try {
    const apps::CommandLine cl = apps::parse_command_line(argc, argv, usage);
    if (!cl.flags.empty()) AUTOSPACE_THROW("unknown option ", cl.flags[0], "\n", usage);
    nas::Json description = nas::read_json_file(cl.config);
    for (const auto& o : cl.overrides) apps::apply_override(description, o);
    const apps::EvolveOutcome outcome = apps::run_evolve(apps::parse_evolve_settings(description));
    return outcome.complete ? 0 : 3;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "autospace-evolve: %s\n", e.what());
    return 1;
  }
}
