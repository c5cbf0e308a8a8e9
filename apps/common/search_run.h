#pragma once
// Phase 2 as a function: runs (or resumes) the search described by `settings` in its run
// directory, writing config.json, metrics.jsonl, checkpoint.safetensors, arch.json (the
// found architecture), search-summary.json, search.svg and, for spos/random, pareto.svg.
// autospace-search is a thin main around it.
#include <cstdint>

#include "apps/common/search_settings.h"

namespace autospace::apps {

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
