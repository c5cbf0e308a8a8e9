// autospace-train RUN.json [--set key.path=value]...
// Phase 3: trains the description's arch.json from scratch in its run directory and
// resumes from the directory's checkpoint when there is one (apps/common/train_loop.h;
// keys in docs/run-descriptions.md). SIGINT/SIGTERM write a checkpoint and exit.
#include <cstdio>
#include <exception>

#include "apps/common/overrides.h"
#include "apps/common/stop_signal.h"
#include "apps/common/train_loop.h"

namespace {
constexpr const char* kUsage = "usage: autospace-train RUN.json [--set key.path=value]...\n";
}

int main(int argc, char** argv) {
  using namespace autospace::apps;
  CommandLine cl;
  try {
    cl = parse_command_line(argc, argv, kUsage);
    if (!cl.flags.empty()) throw autospace::Error("unknown option " + cl.flags.front() + "\n" + kUsage);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "autospace-train: %s", e.what());
    return 2;
  }
  try {
    install_stop_handlers();
    const TrainOutcome outcome = run_training(load_run_settings(cl.config, cl.overrides));
    return outcome.completed ? 0 : 130;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "autospace-train: %s\n", e.what());
    return 1;
  }
}
