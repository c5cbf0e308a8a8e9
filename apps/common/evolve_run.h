#pragma once
// Phase 1 as a function: runs (or resumes) the DEA described by `settings` in its run
// directory, writing config.json, metrics.jsonl, checkpoint.safetensors, space.json,
// space.svg, fitness.svg and evolve-summary.json. autospace-evolve is a thin main around it.
#include <cstdint>

#include "apps/common/evolve_settings.h"

namespace autospace::apps {

struct EvolveOutcome {
  bool complete = false;    // false: stopped early (signal or step limit), resumable
  std::int64_t steps = 0;   // weight steps done so far
};

// `stop_after_steps` >= 0 stops (with a checkpoint) once that many weight steps are done,
// as a signal would; tests use it to interrupt and resume.
EvolveOutcome run_evolve(const EvolveSettings& settings, std::int64_t stop_after_steps = -1);

}  // namespace autospace::apps
