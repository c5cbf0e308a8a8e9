#include "apps/phases/search/search_report.h"

#include <cmath>
#include <fstream>

#include "apps/report/svg_plot.h"
#include "engine/io/atomic_file.h"
#include "nas/arch_json.h"

namespace autospace::apps {

nas::Json layer_report(const nas::SpaceTable& table, const nas::ArchChoice& choice) {
  nas::Json layers = nas::Json::array();
  for (std::size_t l = 0; l < table.layers(); ++l) {
    const nas::Cost& cost = table.costs(l)[choice[l]];
    layers.push_back({{"layer", l},
                      {"candidate", choice[l]},
                      {"block", nas::describe(table.block(l, choice[l]))},
                      {"madds", cost.madds}});
    if (table.has_latency()) layers.back()["latency_ms"] = static_cast<double>(cost.latency_ns) / 1e6;
  }
  return layers;
}

nas::Json evaluated_json(const nas::EvaluatedArch& e) {
  nas::Json j = {{"choice", nas::choice_key(e.choice)},
                 {"accuracy", e.accuracy},
                 {"madds", e.cost.madds},
                 {"params", e.cost.params},
                 {"generation", e.generation}};
  if (e.cost.latency_ns > 0) j["latency_ms"] = static_cast<double>(e.cost.latency_ns) / 1e6;
  return j;
}

void write_pareto_plot(const RunDirectory& run, const nas::ArchEvolution& evolution, const nas::Budget& b) {
  PlotSeries all{"evaluated", {}, {}, true}, front{"Pareto front", {}, {}};
  PlotSeries lower{"band: lower edge", {}, {}}, upper{"band: upper edge", {}, {}};
  double lo = INFINITY, hi = -INFINITY;
  for (const nas::EvaluatedArch& e : evolution.history()) {
    all.x.push_back(static_cast<double>(nas::cost_value(e.cost, b.kind)) / 1e6);
    all.y.push_back(100 * e.accuracy);
    lo = std::min(lo, 100 * e.accuracy), hi = std::max(hi, 100 * e.accuracy);
  }
  for (const nas::EvaluatedArch& e : evolution.pareto_front()) {
    front.x.push_back(static_cast<double>(nas::cost_value(e.cost, b.kind)) / 1e6);
    front.y.push_back(100 * e.accuracy);
  }
  if (lo <= hi) {
    lower = {"band: lower edge", {b.lower() / 1e6, b.lower() / 1e6}, {lo, hi}};
    upper = {"band: upper edge", {b.upper() / 1e6, b.upper() / 1e6}, {lo, hi}};
  }
  io::write_file_atomically(run.file("pareto.svg"),
                            svg_line_plot("Evaluated architectures (held-out top-1 on the shared weights)",
                                          b.axis_label(), "top-1 (%)", {all, front, lower, upper}));
}

// One axis for all: the loss, E[cost] as a fraction of the target with the band's edges,
// the entropy in nats.
void write_training_plot(const RunDirectory& run, bool gated, const nas::Budget& b) {
  const std::string unit = std::string(nas::to_string(b.kind));
  PlotSeries loss{"training loss", {}, {}}, cost{"E[" + unit + "] / target", {}, {}}, entropy{"mean entropy (nats)", {}, {}};
  PlotSeries lower{"band: lower edge", {}, {}}, upper{"band: upper edge", {}, {}};
  std::ifstream in(run.file("metrics.jsonl"));
  for (std::string line; std::getline(in, line);) {
    const nas::Json j = nas::Json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.contains("loss") || !j.contains("step")) continue;
    const double step = j["step"].get<double>();
    loss.x.push_back(step), loss.y.push_back(j["loss"].get<double>());
    if (j.contains("expected_cost")) {
      cost.x.push_back(step), cost.y.push_back(j["expected_cost"].get<double>() / b.target);
      entropy.x.push_back(step), entropy.y.push_back(j["entropy"].get<double>());
    }
  }
  if (!cost.x.empty()) {
    lower = {"band: lower edge", {cost.x.front(), cost.x.back()}, {b.low, b.low}};
    upper = {"band: upper edge", {cost.x.front(), cost.x.back()}, {b.high, b.high}};
  }
  std::vector<PlotSeries> series = {loss};
  if (gated) series.insert(series.end(), {cost, lower, upper, entropy});
  io::write_file_atomically(run.file("search.svg"), svg_line_plot("Search", "step", "", series));
}

}  // namespace autospace::apps
