// All phases in one run directory (apps/pipeline/pipeline.h):
//   autospace run PIPELINE.json [--set key.path=value]...
// Exit status 0 when the pipeline finished, 3 when a phase stopped early (run the same
// command again to resume), 1 on an error, 2 on a malformed command line.
#include <cstdio>
#include <cstring>

#include "apps/pipeline/pipeline.h"
#include "apps/run/phase_main.h"

using namespace autospace::apps;

int main(int argc, char** argv) {
  const std::string usage = "usage: autospace run PIPELINE.json [--set key.path=value]...";
  if (argc < 2 || std::strcmp(argv[1], "run") != 0) {
    std::fprintf(stderr, "autospace: expected the command \"run\"\n%s\n", usage.c_str());
    return 2;
  }
  return program_main("autospace", usage, argc - 1, argv + 1, {}, [](const Invocation& run) {
    return run_pipeline(run.parse([&] { return parse_pipeline_settings(run.description); })).complete ? 0 : 3;
  });
}
