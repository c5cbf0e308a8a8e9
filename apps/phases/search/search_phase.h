#pragma once
// Phase 2 on the runner: the search described by the settings, run (or resumed) in its
// run directory, writing config.json, metrics.jsonl, checkpoint.safetensors, arch.json
// (the found architecture), search-summary.json, search.svg and, for spos/random,
// pareto.svg. The supernet trains one weight step per unit; proxyless-g/-rl interleave
// their architecture steps, spos/random then evaluate one architecture per unit and close
// each generation with a checkpoint (searcher_phase.h).
#include <cstdint>
#include <memory>

#include "apps/phases/search/search_settings.h"
#include "apps/run/phase.h"

namespace autospace::apps {

std::unique_ptr<Phase> make_search_phase(const SearchSettings& settings);

struct SearchOutcome {
  bool complete = false;          // false: stopped early (signal or limit), resumable
  std::int64_t steps = 0;         // supernet weight steps done so far
  std::int64_t evaluations = 0;   // architectures evaluated so far (spos, random)
};

// Limits act as a signal would (a checkpoint, then return); tests use them to interrupt
// and resume. -1: none.
struct SearchLimits {
  std::int64_t stop_after_steps = -1;
  std::int64_t stop_after_evaluations = -1;
};

SearchOutcome run_search(const SearchSettings& settings, const SearchLimits& limits = {});

}  // namespace autospace::apps
