// Phase 3: trains the description's arch.json from scratch in its run directory and
// resumes from the directory's checkpoint when there is one (apps/phases/train/train_phase.h;
// keys in docs/run-descriptions.md). SIGINT/SIGTERM write a checkpoint and exit.
//   autospace-train RUN.json [--set key.path=value]...
#include "apps/phases/train/train_phase.h"
#include "apps/run/phase_main.h"

using namespace autospace::apps;

int main(int argc, char** argv) {
  return phase_main("autospace-train", "usage: autospace-train RUN.json [--set key.path=value]...", argc, argv, {},
                    [](const Invocation& run) {
                      return make_train_phase(run.parse([&] { return parse_run_settings(run.description); }));
                    });
}
