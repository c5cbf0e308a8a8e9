#pragma once
// Phase 1 on the runner: the DEA described by the settings, run (or resumed) in its run
// directory, writing config.json, metrics.jsonl, checkpoint.safetensors, space.json,
// space.svg, fitness.svg and evolve-summary.json. One unit is one weight step (with the
// regeneration due before it and the score step due after it); the last unit writes the
// final scores back into the populations.
#include <cstdint>
#include <memory>

#include "apps/phases/evolve/evolve_settings.h"
#include "apps/run/phase.h"

namespace autospace::apps {

std::unique_ptr<Phase> make_evolve_phase(const EvolveSettings& settings);

struct EvolveOutcome {
  bool complete = false;    // false: stopped early (signal or step limit), resumable
  std::int64_t steps = 0;   // weight steps done so far
};

// `stop_after_steps` >= 0 stops (with a checkpoint) once that many weight steps are done,
// as a signal would; tests use it to interrupt and resume.
EvolveOutcome run_evolve(const EvolveSettings& settings, std::int64_t stop_after_steps = -1);

}  // namespace autospace::apps
