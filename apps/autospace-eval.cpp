// Phase 4: loads the description's arch.json and weights (eval.weights, by default the
// training run's best.safetensors), optionally recalibrates BN, and reports top-1/top-5 and
// loss on the validation set, MAdds, params and latency in eval.json
// (apps/phases/eval/eval_phase.h). --dump DIR also writes one training step's input, logits,
// loss and gradients for checking against another framework (docs/formats.md).
//   autospace-eval RUN.json [--set key.path=value]... [--dump DIR]
#include "apps/phases/eval/eval_phase.h"
#include "apps/run/phase_main.h"

using namespace autospace::apps;

int main(int argc, char** argv) {
  return phase_main("autospace-eval", "usage: autospace-eval RUN.json [--set key.path=value]... [--dump DIR]", argc,
                    argv, {"--dump"}, [](const Invocation& run) {
                      EvalControl control;
                      if (run.options.contains("--dump")) control.dump_dir = run.options.at("--dump");
                      return make_eval_phase(run.parse([&] { return parse_run_settings(run.description); }), control);
                    });
}
