// Phase 2: search an architecture inside a space (DESIGN 4.5).
//   autospace-search RUN.json [--set key.path=value]...
// Keys: apps/phases/search/search_settings.h; exit status: apps/run/phase_main.h.
#include "apps/phases/search/search_phase.h"
#include "apps/run/phase_main.h"

using namespace autospace::apps;

int main(int argc, char** argv) {
  return phase_main("autospace-search", "usage: autospace-search RUN.json [--set key.path=value]...", argc, argv, {},
                    [](const Invocation& run) {
                      return make_search_phase(run.parse([&] { return parse_search_settings(run.description); }));
                    });
}
