// The latency table of a space on the device a network is meant for, and the additive
// model's error on whole networks (apps/phases/latency/latency_phase.h):
//   autospace-latency LATENCY.json [--set key.path=value]...
// The table feeds searches with target_latency_ms (docs/search.md, "Latency budgets").
#include "apps/phases/latency/latency_phase.h"
#include "apps/run/phase_main.h"

using namespace autospace::apps;

int main(int argc, char** argv) {
  return phase_main("autospace-latency", "usage: autospace-latency LATENCY.json [--set key.path=value]...", argc, argv,
                    {}, [](const Invocation& run) {
                      return make_latency_phase(run.parse([&] { return parse_latency_run_settings(run.description); }));
                    });
}
