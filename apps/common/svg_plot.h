#pragma once
// A self-contained SVG line plot (no plotting library needed to view the run's curves).
#include <string>
#include <vector>

namespace autospace::apps {

struct PlotSeries {
  std::string name;
  std::vector<double> x, y;
};

std::string svg_line_plot(const std::string& title, const std::string& x_label, const std::string& y_label,
                          const std::vector<PlotSeries>& series);

}  // namespace autospace::apps
