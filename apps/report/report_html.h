#pragma once
// What a finished pipeline reports: pipeline-summary.json (the learned space, the search,
// the found architecture, MAdds, params, accuracy, time per phase) and report.html, one
// self-contained page (inline SVG, no scripts, no network) with the phase plots and cell
// drawings. Both are read from the phases' own output files, so they describe exactly
// what is on disk.
#include <filesystem>

#include "nas/json_check.h"

namespace autospace::apps {

// `state` is pipeline-state.json ({"phases": {"<phase>": {"done", "seconds"}}}). Phases
// that did not run are left out.
nas::Json pipeline_summary(const std::filesystem::path& run_dir, const nas::Json& state);

// Writes <run_dir>/report.html.
void write_report_html(const std::filesystem::path& run_dir, const nas::Json& summary);

}  // namespace autospace::apps
