#include "nas/summary.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "nas/cost_model.h"
#include "nas/madds_budget.h"
#include "nas/number_format.h"

namespace autospace::nas {

namespace {

// Columns padded to their widest cell; numbers (all columns after `text_columns`) right-aligned.
class Table {
 public:
  explicit Table(std::size_t text_columns) : text_columns_(text_columns) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void rule() { rows_.emplace_back(); }

  std::string str() const {
    std::vector<std::size_t> widths;
    for (const auto& row : rows_) {
      widths.resize(std::max(widths.size(), row.size()));
      for (std::size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
    }
    std::size_t total = 0;
    for (std::size_t w : widths) total += w + 2;
    std::ostringstream os;
    for (const auto& row : rows_) {
      if (row.empty()) {
        os << std::string(total, '-') << "\n";
        continue;
      }
      std::string line;
      for (std::size_t c = 0; c < row.size(); ++c) {
        const std::string pad(widths[c] - row[c].size(), ' ');
        line += c < text_columns_ ? row[c] + pad : pad + row[c];
        line += "  ";
      }
      line.erase(line.find_last_not_of(' ') + 1);
      os << line << "\n";
    }
    return os.str();
  }

 private:
  std::size_t text_columns_;
  std::vector<std::vector<std::string>> rows_;
};

std::string count(std::int64_t n) { return with_commas(n); }

std::string range(std::int64_t lo, std::int64_t hi) { return lo == hi ? count(lo) : count(lo) + " .. " + count(hi); }

std::string stride_note(const LayerPosition& p) { return p.stride == 1 ? "" : " s" + std::to_string(p.stride); }

}  // namespace

std::string arch_table(const Arch& arch) {
  const NetworkCost cost = arch_cost(arch);
  Table table(4);
  table.add({"layer", "block", "input", "output", "MAdds", "params"});
  table.rule();
  for (const CostRow& row : cost.rows)
    table.add({row.label, row.what, to_string(row.in), to_string(row.out), count(row.cost.madds), count(row.cost.params)});
  table.rule();
  table.add({"total", "", "", "", count(cost.total.madds), count(cost.total.params)});
  std::ostringstream os;
  os << (arch.name.empty() ? "network" : arch.name) << ": " << arch.layers.size() << " layers, input " << arch.net.resolution << "x"
     << arch.net.resolution << "x" << arch.net.input_channels << ", " << arch.net.classes << " classes, activation "
     << to_string(arch.net.activation) << "\n"
     << table.str() << "MAdds " << short_count(static_cast<double>(cost.total.madds)) << ", params "
     << short_count(static_cast<double>(cost.total.params)) << "\n";
  return os.str();
}

std::string space_table(const Space& space) {
  const Cost fixed = backbone_fixed_cost(space.backbone());
  const bool list_candidates = space.kind() != SpaceKind::open;
  Table table(4);
  table.add({"layer", "candidate", "input", "output", "MAdds", "params"});
  table.rule();
  std::int64_t min_total = fixed.madds;
  std::int64_t max_total = fixed.madds;
  double log10_networks = 0;
  for (std::size_t layer = 0; layer < space.layer_count(); ++layer) {
    const LayerPosition& p = space.position(layer);
    const auto candidates = space.candidates(layer);
    const auto costs = space.candidate_costs(layer);
    std::int64_t madds_lo = costs.front().madds, madds_hi = madds_lo;
    std::int64_t params_lo = costs.front().params, params_hi = params_lo;
    for (const Cost& c : costs) {
      madds_lo = std::min(madds_lo, c.madds);
      madds_hi = std::max(madds_hi, c.madds);
      params_lo = std::min(params_lo, c.params);
      params_hi = std::max(params_hi, c.params);
    }
    min_total += madds_lo;
    max_total += madds_hi;
    log10_networks += std::log10(static_cast<double>(candidates.size()));
    table.add({std::to_string(layer), count(static_cast<std::int64_t>(candidates.size())) + " candidates" + stride_note(p),
               to_string(p.input()), to_string(p.output()), range(madds_lo, madds_hi), range(params_lo, params_hi)});
    if (!list_candidates) continue;
    for (std::size_t k = 0; k < candidates.size(); ++k) {
      std::string what = "  " + describe(candidates[k].block);
      if (candidates[k].fitness) {
        std::ostringstream f;
        f << "  (fitness " << *candidates[k].fitness << ")";
        what += f.str();
      }
      table.add({"", what, "", "", count(costs[k].madds), count(costs[k].params)});
    }
  }
  table.rule();
  std::ostringstream os;
  const NetworkSettings& net = space.backbone().net;
  os << to_string(space.kind()) << " space: " << space.layer_count() << " searchable layers, input " << net.resolution << "x"
     << net.resolution << "x" << net.input_channels << ", " << net.classes << " classes"
     << (space.skip() ? ", zero offered where a layer may be skipped" : "") << "\n"
     << "fixed part (stem, fixed layers, head, classifier): MAdds " << count(fixed.madds) << ", params " << count(fixed.params)
     << "\n"
     << table.str() << "network MAdds " << short_count(static_cast<double>(min_total)) << " .. "
     << short_count(static_cast<double>(max_total));
  char networks[64];
  std::snprintf(networks, sizeof networks, ", %.3g networks (10^%.1f)\n", std::pow(10.0, log10_networks), log10_networks);
  os << networks;
  return os.str();
}

}  // namespace autospace::nas
