// All phases in one run directory (apps/common/pipeline.h):
//   autospace run PIPELINE.json [--set key.path=value]...
// Exit status 0 when the pipeline finished, 3 when a phase stopped early (run the same
// command again to resume), 1 on an error.
#include <cstdio>
#include <cstring>

#include "apps/common/overrides.h"
#include "apps/common/pipeline.h"
#include "kernels/common/check.h"

using namespace autospace;

int main(int argc, char** argv) {
  const std::string usage = "usage: autospace run PIPELINE.json [--set key.path=value]...";
  try {
    if (argc < 2 || std::strcmp(argv[1], "run") != 0) AUTOSPACE_THROW("expected the command \"run\"\n", usage);
    const apps::CommandLine cl = apps::parse_command_line(argc - 1, argv + 1, usage);
    if (!cl.flags.empty()) AUTOSPACE_THROW("unknown option ", cl.flags[0], "\n", usage);
    nas::Json description = nas::read_json_file(cl.config);
    for (const auto& o : cl.overrides) apps::apply_override(description, o);
    return apps::run_pipeline(apps::parse_pipeline_settings(description)).complete ? 0 : 3;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "autospace: %s\n", e.what());
    return 1;
  }
}
