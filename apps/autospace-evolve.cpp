// Phase 1: evolve the open space into a learned per-layer space (DESIGN 4.4).
//   autospace-evolve RUN.json [--set key.path=value]...
// Keys: apps/phases/evolve/evolve_settings.h; exit status: apps/run/phase_main.h.
#include "apps/phases/evolve/evolve_phase.h"
#include "apps/run/phase_main.h"

using namespace autospace::apps;

int main(int argc, char** argv) {
  return phase_main("autospace-evolve", "usage: autospace-evolve RUN.json [--set key.path=value]...", argc, argv, {},
                    [](const Invocation& run) {
                      return make_evolve_phase(run.parse([&] { return parse_evolve_settings(run.description); }));
                    });
}
