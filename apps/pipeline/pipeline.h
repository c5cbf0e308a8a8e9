#pragma once
// `autospace run PIPELINE.json`: the phases chained in one run directory (DESIGN 1).
//
//   {"run_dir": "runs/pipeline", "seed": 0, "device": "cpu", "threads": 0,
//    "data": {...apps/run/data_setup.h...},              shared by every phase
//    "phases": ["evolve", "search", "train", "eval"],       which to run, in this order (default: all)
//    "evolve": {"backbone": {...}, "evolve": {...}},        autospace-evolve's keys minus the shared ones
//    "search": {"space": ..., "search": {...}},             autospace-search's; space defaults to <run_dir>/evolve/space.json
//    "train": {"arch": ..., "train": {...}, "eval": {...}}} autospace-train's; arch defaults to <run_dir>/search/arch.json
//
// Phase p runs in <run_dir>/<p> with the shared keys plus its section, exactly as its own
// binary would run that description (the same phase definition on the same runner), so
// each phase resumes from its own checkpoint. Every phase still to run is checked before
// the first one starts: a typo in the train section fails at once, not after the search;
// the files an earlier phase writes (search's space, train's arch) are read when it has
// written them. The pipeline keeps pipeline-state.json (which phases finished, wall
// seconds per phase over every start) and, at the end, writes pipeline-summary.json and
// report.html.
#include <filesystem>
#include <string>
#include <vector>

#include "nas/json_check.h"

namespace autospace::apps {

struct PipelineSettings {
  std::filesystem::path run_dir;
  nas::Json shared;  // run_dir (the pipeline's), seed, device, threads, data: as given
  std::vector<std::string> phases;
  nas::Json evolve, search, train;  // the sections (objects)
};

PipelineSettings parse_pipeline_settings(const nas::Json& description);

// The description phase `phase` runs with ("evolve", "search", "train"; "eval" reads the
// train description): the shared keys, run_dir = <run_dir>/<phase>, the section, and the
// defaults that chain the phases (search's space, train's arch).
nas::Json phase_description(const PipelineSettings& settings, const std::string& phase);

struct PipelineOutcome {
  bool complete = false;  // false: a phase stopped early (signal); run again to resume
  nas::Json summary;      // pipeline-summary.json (when complete)
};

PipelineOutcome run_pipeline(const PipelineSettings& settings);

}  // namespace autospace::apps
