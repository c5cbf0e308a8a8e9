#include "apps/phases/search/search_report.h"

#include <cmath>
#include <fstream>

#include "apps/report/svg_plot.h"
#include "engine/io/atomic_file.h"
#include "nas/arch_json.h"

namespace autospace::apps {

nas::Json layer_report(const nas::SpaceTable& table, const nas::ArchChoice& choice) {
  nas::Json layers = nas::Json::array();
  for (std::size_t l = 0; l < table.layers(); ++l)
    layers.push_back({{"layer", l},
                      {"candidate", choice[l]},
                      {"block", nas::describe(table.block(l, choice[l]))},
                      {"madds", table.costs(l)[choice[l]].madds}});
  return layers;
}

nas::Json evaluated_json(const nas::EvaluatedArch& e) {
  return {{"choice", nas::choice_key(e.choice)}, {"accuracy", e.accuracy}, {"madds", e.cost.madds},
          {"params", e.cost.params}, {"generation", e.generation}};
}

void write_pareto_plot(const RunDirectory& run, const nas::ArchEvolution& evolution, double target) {
  PlotSeries all{"evaluated", {}, {}, true}, front{"Pareto front", {}, {}}, budget{"budget", {}, {}};
  double lo = INFINITY, hi = -INFINITY;
  for (const nas::EvaluatedArch& e : evolution.history()) {
    all.x.push_back(static_cast<double>(e.cost.madds) / 1e6);
    all.y.push_back(100 * e.accuracy);
    lo = std::min(lo, 100 * e.accuracy), hi = std::max(hi, 100 * e.accuracy);
  }
  for (const nas::EvaluatedArch& e : evolution.pareto_front()) {
    front.x.push_back(static_cast<double>(e.cost.madds) / 1e6);
    front.y.push_back(100 * e.accuracy);
  }
  if (lo <= hi) budget = {"MAdds budget", {target / 1e6, target / 1e6}, {lo, hi}};
  io::write_file_atomically(run.file("pareto.svg"),
                            svg_line_plot("Evaluated architectures (held-out top-1 on the shared weights)", "MAdds (M)",
                                          "top-1 (%)", {all, front, budget}));
}

// One axis for all: the loss, E[MAdds] as a fraction of the budget, the entropy in nats.
void write_training_plot(const RunDirectory& run, bool gated, double target_madds) {
  PlotSeries loss{"training loss", {}, {}}, madds{"E[MAdds] / target", {}, {}}, entropy{"mean entropy (nats)", {}, {}};
  std::ifstream in(run.file("metrics.jsonl"));
  for (std::string line; std::getline(in, line);) {
    const nas::Json j = nas::Json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.contains("loss") || !j.contains("step")) continue;
    const double step = j["step"].get<double>();
    loss.x.push_back(step), loss.y.push_back(j["loss"].get<double>());
    if (j.contains("expected_madds")) {
      madds.x.push_back(step), madds.y.push_back(j["expected_madds"].get<double>() / target_madds);
      entropy.x.push_back(step), entropy.y.push_back(j["entropy"].get<double>());
    }
  }
  std::vector<PlotSeries> series = {loss};
  if (gated) series.insert(series.end(), {madds, entropy});
  io::write_file_atomically(run.file("search.svg"), svg_line_plot("Search", "step", "", series));
}

}  // namespace autospace::apps
