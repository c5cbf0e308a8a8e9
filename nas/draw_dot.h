#pragma once
// Graphviz DOT text of a figure (render with `dot -Tsvg`): each panel is a cluster, its
// cell DAG drawn left to right.
#include <string>

#include "nas/drawing.h"

namespace autospace::nas {

std::string draw_dot(const Figure& figure);

}  // namespace autospace::nas
