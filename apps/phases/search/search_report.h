#pragma once
// What a search writes besides arch.json: the per-layer report of a choice, the evaluated
// architectures as JSON, search.svg (training curves; for the gated methods E[MAdds] over
// the budget and the entropy) and pareto.svg (spos, random).
#include "apps/run/run_directory.h"
#include "nas/search/arch_evolution.h"
#include "nas/search/budget.h"
#include "nas/search/space_table.h"

namespace autospace::apps {

// Per layer: candidate index, block description and MAdds.
nas::Json layer_report(const nas::SpaceTable& table, const nas::ArchChoice& choice);
nas::Json evaluated_json(const nas::EvaluatedArch& evaluated);

// Both read the run's metrics.jsonl / the evolution's history.
void write_training_plot(const RunDirectory& run, bool gated, const nas::Budget& budget);
void write_pareto_plot(const RunDirectory& run, const nas::ArchEvolution& evolution, const nas::Budget& budget);

}  // namespace autospace::apps
