#pragma once
// A standalone SVG of a figure, laid out by our own code (no Graphviz needed): panels in
// a grid, each cell DAG with its nodes on a line and skip edges as arcs.
#include <string>

#include "nas/drawing.h"

namespace autospace::nas {

std::string draw_svg(const Figure& figure);

// Text made safe inside SVG/HTML elements and attribute values (& < > ").
std::string xml_escape(const std::string& text);

}  // namespace autospace::nas
