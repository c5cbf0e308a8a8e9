#include "nas/draw_dot.h"

#include <sstream>

namespace autospace::nas {

namespace {

std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (char ch : text) {
    if (ch == '"' || ch == '\\') out += '\\';
    if (ch == '\n') out += "\\n";
    else out += ch;
  }
  return out + "\"";
}

std::string panel_label(const Panel& panel) {
  std::string label = panel.title;
  for (const std::string& line : panel.lines) label += "\n" + line;
  return label;
}

}  // namespace

std::string draw_dot(const Figure& figure) {
  std::ostringstream os;
  os << "digraph autospace {\n"
     << "  rankdir=LR;\n  labelloc=t;\n  label=" << quoted(figure.title) << ";\n"
     << "  node [shape=circle, fontsize=10, width=0.4, fixedsize=true];\n  edge [fontsize=9];\n";
  for (std::size_t r = 0; r < figure.rows.size(); ++r) {
    for (std::size_t c = 0; c < figure.rows[r].size(); ++c) {
      const Panel& panel = figure.rows[r][c];
      std::string id = "p";
      id += std::to_string(r) + "_";
      id += std::to_string(c);
      if (!panel.dag) {
        os << "  " << id << " [shape=box, fixedsize=false, label=" << quoted(panel_label(panel)) << "];\n";
        continue;
      }
      const DagDrawing& dag = *panel.dag;
      os << "  subgraph cluster_" << id << " {\n    label=" << quoted(panel_label(panel)) << ";\n";
      for (int n = 0; n < kDrawnNodes; ++n)
        os << "    " << id << "_" << n << " [label=" << quoted(dag.nodes[n]) << (dag.live[n] ? "" : ", style=dashed, fontcolor=gray")
           << "];\n";
      for (int e = 0; e < kEdgeCount; ++e) {
        if (dag.edges[e].empty()) continue;
        os << "    " << id << "_" << kEdges[e].from << " -> " << id << "_" << kEdges[e].to << " [label=" << quoted(dag.edges[e])
           << ", color=" << quoted(edge_colour(dag.edges[e])) << "];\n";
      }
      os << "    " << id << "_3 -> " << id << "_4;\n  }\n";
    }
  }
  os << "}\n";
  return os.str();
}

}  // namespace autospace::nas
