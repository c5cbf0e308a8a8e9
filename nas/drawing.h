#pragma once
// What a drawing of a cell, a network or a space shows, independent of the output format:
// a figure is rows of panels, each panel a title, text lines and optionally a cell DAG.
// draw_dot.h and draw_svg.h render figures.
#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "nas/arch.h"
#include "nas/space.h"

namespace autospace::nas {

// Nodes in drawing order: I (= n0), n1, n2, n3, O.
inline constexpr int kDrawnNodes = 5;

struct DagDrawing {
  std::array<std::string, kEdgeCount> edges;  // label per edge of kEdges; empty: no edge
  std::array<bool, kDrawnNodes> live{};       // nodes that take part (others drawn faded)
  std::array<std::string, kDrawnNodes> nodes; // node labels
};

struct Panel {
  std::string title;
  std::vector<std::string> lines;
  std::optional<DagDrawing> dag;
};

struct Figure {
  std::string title;
  std::vector<std::vector<Panel>> rows;
};

// The canonical form of `g` (dead edges left out; a node that concatenates is marked "C").
DagDrawing cell_dag(const Genotype& g);
// Colour of an edge by its op label: convolutions, depthwise, identity, others.
const char* edge_colour(const std::string& label);

Figure cell_figure(const Genotype& g);
// Every layer of the network, `columns` panels per row.
Figure arch_figure(const Arch& arch, std::size_t columns = 4);
// One row per searchable layer: its position, then up to `max_candidates` candidates.
// The open space, whose candidates are thousands, is drawn as its cell template.
Figure space_figure(const Space& space, std::size_t max_candidates = 12);

}  // namespace autospace::nas
