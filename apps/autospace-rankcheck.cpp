// The ranking check of the paper's Table 6, scaled down (apps/phases/rankcheck/ranking_phase.h):
// do the DEA's learned scores order networks as their standalone accuracy does?
//   autospace-rankcheck RUN.json [--set key.path=value]...
// Exit status 4 when some initialisation did not end in the true order; the others as
// apps/run/phase_main.h says.
#include "apps/phases/rankcheck/ranking_phase.h"
#include "apps/run/phase_main.h"

using namespace autospace::apps;

int main(int argc, char** argv) {
  return phase_main("autospace-rankcheck", "usage: autospace-rankcheck RUN.json [--set key.path=value]...", argc,
                    argv, {}, [](const Invocation& run) {
                      return make_ranking_phase(run.parse([&] { return parse_ranking_settings(run.description); }));
                    });
}
