#include "nas/drawing.h"

#include <sstream>

#include "nas/cost_model.h"
#include "nas/number_format.h"

namespace autospace::nas {

namespace {

std::string cost_line(const Cost& cost) {
  return "MAdds " + short_count(static_cast<double>(cost.madds)) + ", params " + short_count(static_cast<double>(cost.params));
}

std::string position_line(const LayerPosition& p) {
  std::string s = to_string(p.input()) + " -> " + to_string(p.output());
  if (p.stride != 1) s += " s" + std::to_string(p.stride);
  return s;
}

std::string choices_line(const std::string& name, const std::vector<std::string>& values) {
  std::string s = name + ":";
  for (const std::string& v : values) s += " " + v;
  return s;
}

Panel block_panel(std::string title, const Block& block, const LayerPosition& position) {
  Panel panel{std::move(title), {}, std::nullopt};
  if (const auto* cell = std::get_if<CellBlock>(&block)) {
    panel.lines.push_back(to_string(canonical(cell->genotype)));
    panel.dag = cell_dag(cell->genotype);
  } else {
    panel.lines.push_back(describe(block));
  }
  panel.lines.push_back(cost_line(block_cost(block, position)));
  return panel;
}

}  // namespace

DagDrawing cell_dag(const Genotype& g) {
  const Genotype c = canonical(g);
  const auto inputs = live_input_counts(c);
  DagDrawing d;
  d.nodes = {c.expansion == 1 ? "in" : "I", "n1", "n2", "n3", "O"};
  d.live = {true, false, false, true, true};
  for (int e = 0; e < kEdgeCount; ++e) {
    if (c.edges[e].kind == OpKind::zero) continue;
    d.edges[e] = to_string(c.edges[e]);
    d.live[kEdges[e].to] = true;
  }
  for (int node = 1; node <= 3; ++node)
    if (inputs[node] >= 2) d.nodes[node].assign(1, c.mix == Mix::concat ? 'C' : '+');
  return d;
}

const char* edge_colour(const std::string& label) {
  if (label.rfind("dw", 0) == 0) return "#2a9d4a";
  if (label.rfind("c", 0) == 0) return "#2f6fc0";
  if (label == "id") return "#777777";
  return "#333333";
}

Figure cell_figure(const Genotype& g) {
  const Genotype c = canonical(g);
  Panel panel{to_string(c), {"expansion " + std::to_string(c.expansion) + ", mix " + std::string(to_string(c.mix))}, cell_dag(c)};
  if (!is_valid(c)) panel.lines.push_back("invalid: n3 is not reachable from n0");
  return {"cell " + to_string(g), {{panel}}};
}

Figure arch_figure(const Arch& arch, std::size_t columns) {
  const NetworkCost cost = arch_cost(arch);
  Figure figure{arch.name + "  (" + std::to_string(arch.net.resolution) + "x" + std::to_string(arch.net.resolution) + ", " +
                    cost_line(cost.total) + ")",
                {}};
  const auto positions = layer_positions(arch);
  std::vector<Panel> row;
  for (std::size_t i = 0; i < arch.layers.size(); ++i) {
    Panel panel = block_panel("layers[" + std::to_string(i) + "]", arch.layers[i].block, positions[i]);
    panel.lines.insert(panel.lines.begin(), position_line(positions[i]));
    row.push_back(std::move(panel));
    if (row.size() == columns || i + 1 == arch.layers.size()) {
      figure.rows.push_back(std::move(row));
      row.clear();
    }
  }
  return figure;
}

Figure space_figure(const Space& space, std::size_t max_candidates) {
  Figure figure{std::string(to_string(space.kind())) + " space, " + std::to_string(space.layer_count()) + " searchable layers" +
                    (space.skip() ? ", zero where a layer may be skipped" : ""),
                {}};
  const auto* open = dynamic_cast<const OpenSpace*>(&space);
  if (open) {
    DagDrawing dag;
    dag.nodes = {"I", "n1", "n2", "n3", "O"};
    dag.live.fill(true);
    dag.edges.fill("op");
    std::vector<std::string> ops, expansions, mixes;
    for (const Op& op : open->choices().ops) ops.push_back(to_string(op));
    for (int e : open->choices().expansions) expansions.push_back("e" + std::to_string(e));
    for (Mix m : open->choices().mixes) mixes.push_back(std::string(to_string(m)));
    figure.rows.push_back({Panel{"cell template",
                                 {choices_line("op", ops), choices_line("expansion", expansions), choices_line("mix", mixes),
                                  with_commas(static_cast<std::int64_t>(open->cells().size())) + " distinct valid cells"},
                                 dag}});
  }
  for (std::size_t layer = 0; layer < space.layer_count(); ++layer) {
    const LayerPosition& p = space.position(layer);
    std::vector<Panel> row{Panel{"layer " + std::to_string(layer), {position_line(p)}, std::nullopt}};
    if (open) {
      const auto costs = space.candidate_costs(layer);
      std::int64_t lo = costs.front().madds, hi = lo;
      for (const Cost& c : costs) lo = std::min(lo, c.madds), hi = std::max(hi, c.madds);
      row.front().lines.push_back(with_commas(static_cast<std::int64_t>(costs.size())) + " candidates");
      row.front().lines.push_back("MAdds " + short_count(static_cast<double>(lo)) + " .. " + short_count(static_cast<double>(hi)));
      figure.rows.push_back(std::move(row));
      continue;
    }
    const auto candidates = space.candidates(layer);
    for (std::size_t k = 0; k < candidates.size() && k < max_candidates; ++k) {
      std::ostringstream title;
      title << "#" << k;
      if (candidates[k].fitness) title << "  fitness " << *candidates[k].fitness;
      row.push_back(block_panel(title.str(), candidates[k].block, p));
    }
    if (candidates.size() > max_candidates)
      row.push_back(Panel{"+" + std::to_string(candidates.size() - max_candidates) + " more", {}, std::nullopt});
    figure.rows.push_back(std::move(row));
  }
  return figure;
}

}  // namespace autospace::nas
