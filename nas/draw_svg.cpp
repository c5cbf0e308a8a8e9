#include "nas/draw_svg.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace autospace::nas {

namespace {

constexpr double kPanelWidth = 300;
constexpr double kGap = 10;
constexpr double kTitleHeight = 30;
constexpr double kLineHeight = 15;
constexpr double kDagHeight = 140;
constexpr double kNodeRadius = 13;
constexpr double kNodeSpacing = 60;

struct Point {
  double x;
  double y;
};

// Moves `from` by `distance` towards `to` (to start and end edges on the node circles).
Point towards(Point from, Point to, double distance) {
  const double dx = to.x - from.x;
  const double dy = to.y - from.y;
  const double length = std::hypot(dx, dy);
  return {from.x + dx / length * distance, from.y + dy / length * distance};
}

double panel_height(const Panel& panel) {
  return 20 + kLineHeight * static_cast<double>(panel.lines.size()) + (panel.dag ? kDagHeight : 0) + kGap;
}

void draw_dag(std::ostream& os, const DagDrawing& dag, double x0, double y0) {
  const double y = y0 + kDagHeight / 2;
  auto node = [&](int n) { return Point{x0 + 30 + kNodeSpacing * n, y}; };
  // Arc heights by edge span: neighbours straight, (0,2) above, (1,3) below, (0,3) high above.
  auto bend = [](const Edge& e) {
    if (e.to - e.from == 1) return 0.0;
    if (e.to - e.from == 3) return -110.0;
    return e.from == 0 ? -60.0 : 60.0;
  };
  for (int e = 0; e < kEdgeCount; ++e) {
    if (dag.edges[e].empty()) continue;
    const Point a = node(kEdges[e].from);
    const Point b = node(kEdges[e].to);
    const Point control{(a.x + b.x) / 2, y + bend(kEdges[e])};
    const Point start = towards(a, bend(kEdges[e]) == 0 ? b : control, kNodeRadius);
    const Point end = towards(b, bend(kEdges[e]) == 0 ? a : control, kNodeRadius + 2);
    const char* colour = edge_colour(dag.edges[e]);
    os << "<path d=\"M" << start.x << "," << start.y << " Q" << control.x << "," << control.y << " " << end.x << "," << end.y
       << "\" fill=\"none\" stroke=\"" << colour << "\" stroke-width=\"1.6\" marker-end=\"url(#arrow)\"/>\n";
    // The point of a quadratic Bezier at t = 1/2.
    const Point middle{(a.x + 2 * control.x + b.x) / 4, (a.y + 2 * control.y + b.y) / 4};
    const double label_y = bend(kEdges[e]) > 0 ? middle.y + 12 : middle.y - 4;
    os << "<text x=\"" << middle.x << "\" y=\"" << label_y << "\" text-anchor=\"middle\" font-size=\"11\" fill=\"" << colour
       << "\">" << xml_escape(dag.edges[e]) << "</text>\n";
  }
  const Point n3 = node(3);
  const Point out = node(4);
  os << "<path d=\"M" << n3.x + kNodeRadius << "," << y << " L" << out.x - kNodeRadius - 2 << "," << y
     << "\" stroke=\"#333333\" stroke-width=\"1.6\" marker-end=\"url(#arrow)\"/>\n";
  for (int n = 0; n < kDrawnNodes; ++n) {
    const Point p = node(n);
    os << "<circle cx=\"" << p.x << "\" cy=\"" << p.y << "\" r=\"" << kNodeRadius << "\" fill=\"" << (dag.live[n] ? "#ffffff" : "#f2f2f2")
       << "\" stroke=\"" << (dag.live[n] ? "#333333" : "#bbbbbb") << "\"" << (dag.live[n] ? "" : " stroke-dasharray=\"3,2\"")
       << "/>\n<text x=\"" << p.x << "\" y=\"" << p.y + 4 << "\" text-anchor=\"middle\" font-size=\"10\" fill=\""
       << (dag.live[n] ? "#111111" : "#aaaaaa") << "\">" << xml_escape(dag.nodes[n]) << "</text>\n";
  }
}

}  // namespace

std::string draw_svg(const Figure& figure) {
  std::size_t columns = 1;
  double height = kTitleHeight;
  std::vector<double> row_heights;
  for (const auto& row : figure.rows) {
    columns = std::max(columns, row.size());
    double h = 0;
    for (const Panel& panel : row) h = std::max(h, panel_height(panel));
    row_heights.push_back(h);
    height += h + kGap;
  }
  const double width = kGap + static_cast<double>(columns) * (kPanelWidth + kGap);

  std::ostringstream os;
  os << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height << "\" viewBox=\"0 0 " << width
     << " " << height << "\" font-family=\"sans-serif\">\n"
     << "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"6\" markerHeight=\"6\" "
        "orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#333333\"/></marker></defs>\n"
     << "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n"
     << "<text x=\"" << kGap << "\" y=\"20\" font-size=\"15\" font-weight=\"bold\">" << xml_escape(figure.title) << "</text>\n";
  double y = kTitleHeight;
  for (std::size_t r = 0; r < figure.rows.size(); ++r) {
    for (std::size_t c = 0; c < figure.rows[r].size(); ++c) {
      const Panel& panel = figure.rows[r][c];
      const double x = kGap + static_cast<double>(c) * (kPanelWidth + kGap);
      os << "<rect x=\"" << x << "\" y=\"" << y << "\" width=\"" << kPanelWidth << "\" height=\"" << row_heights[r] - kGap
         << "\" rx=\"6\" fill=\"#fafafa\" stroke=\"#cccccc\"/>\n"
         << "<text x=\"" << x + 8 << "\" y=\"" << y + 16 << "\" font-size=\"12\" font-weight=\"bold\">" << xml_escape(panel.title)
         << "</text>\n";
      double line_y = y + 16;
      for (const std::string& line : panel.lines) {
        line_y += kLineHeight;
        os << "<text x=\"" << x + 8 << "\" y=\"" << line_y << "\" font-size=\"11\">" << xml_escape(line) << "</text>\n";
      }
      if (panel.dag) draw_dag(os, *panel.dag, x, line_y + 4);
    }
    y += row_heights[r] + kGap;
  }
  os << "</svg>\n";
  return os.str();
}

std::string xml_escape(const std::string& text) {
  std::string out;
  for (char ch : text) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += ch;
    }
  }
  return out;
}

}  // namespace autospace::nas
