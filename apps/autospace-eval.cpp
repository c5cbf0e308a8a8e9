// autospace-eval RUN.json [--set key.path=value]... [--dump DIR]
// Phase 4: loads the description's arch.json and weights (eval.weights, by default the
// training run's best.safetensors), optionally recalibrates BN, and reports top-1/top-5 and
// loss on the validation set, MAdds, params and latency in eval.json
// (apps/common/eval_run.h). --dump DIR also writes one training step's input, logits,
// loss and gradients for checking against another framework (docs/formats.md).
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "apps/common/eval_run.h"
#include "apps/common/overrides.h"

namespace {
constexpr const char* kUsage = "usage: autospace-eval RUN.json [--set key.path=value]... [--dump DIR]\n";
}

int main(int argc, char** argv) {
  using namespace autospace::apps;
  // --dump takes a value, which parse_command_line would read as a second positional
  // argument: take it out first.
  std::vector<char*> args;
  EvalControl control;
  for (int i = 0; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--dump" && i + 1 < argc) control.dump_dir = argv[++i];
    else if (arg.rfind("--dump=", 0) == 0) control.dump_dir = arg.substr(7);
    else args.push_back(argv[i]);
  }
  CommandLine cl;
  try {
    cl = parse_command_line(static_cast<int>(args.size()), args.data(), kUsage);
    if (!cl.flags.empty()) throw autospace::Error("unknown option or missing value: " + cl.flags.front() + "\n" + kUsage);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "autospace-eval: %s", e.what());
    return 2;
  }
  try {
    run_evaluation(load_run_settings(cl.config, cl.overrides), control);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "autospace-eval: %s\n", e.what());
    return 1;
  }
}
