#pragma once
// A self-contained SVG line (or scatter) plot (no plotting library needed to view the run's curves).
#include <string>
#include <vector>

namespace autospace::apps {

struct PlotSeries {
  std::string name;
  std::vector<double> x, y;
  bool points = false;  // markers only (a scatter), no connecting line
};

std::string svg_line_plot(const std::string& title, const std::string& x_label, const std::string& y_label,
                          const std::vector<PlotSeries>& series);

}  // namespace autospace::apps
