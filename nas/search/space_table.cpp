#include "nas/search/space_table.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "kernels/common/check.h"
#include "nas/latency/latency_key.h"
#include "nas/madds_budget.h"

namespace autospace::nas {

namespace {

int block_expansion(const Block& block) {
  if (const auto* c = std::get_if<CellBlock>(&block)) return c->genotype.expansion;
  if (const auto* m = std::get_if<MbConvBlock>(&block)) return m->expansion;
  return 1;
}

// Each part scaled by the calibration: the scale is common to all, so the parts' sum is the
// whole network's prediction.
std::int64_t latency_ns(const LatencyTable& table, const std::string& key, const std::string& origin) {
  return std::llround(table.calibration().scale * table.at(key, origin).median_ms * 1e6);
}

}  // namespace

SpaceTable::SpaceTable(const Space& space, const LatencyTable* latency, const std::string& latency_origin)
    : backbone_(space.backbone()),
      kind_(space.kind()),
      fixed_(backbone_fixed_cost(space.backbone())),
      has_latency_(latency != nullptr) {
  if (latency)
    for (const std::string& key : fixed_latency_keys(backbone_))
      fixed_.latency_ns += latency_ns(*latency, key, latency_origin);
  for (std::size_t l = 0; l < space.layer_count(); ++l) {
    std::vector<Block> blocks;
    for (const Candidate& c : space.candidates(l)) blocks.push_back(c.block);
    if (blocks.empty()) AUTOSPACE_THROW("space: searchable layer ", l, " has no candidate");
    for (const Block& b : blocks) max_expansion_ = std::max(max_expansion_, block_expansion(b));
    if (l > 0 && *blocks_.back() == blocks) blocks_.push_back(blocks_.back());
    else blocks_.push_back(std::make_shared<const std::vector<Block>>(std::move(blocks)));
    std::vector<Cost> costs;
    costs.reserve(blocks_.back()->size());
    for (const Block& b : *blocks_.back()) {
      costs.push_back(block_cost(b, space.position(l)));
      if (latency)
        costs.back().latency_ns =
            latency_ns(*latency, layer_latency_key(b, space.position(l), backbone_.net), latency_origin);
    }
    std::vector<double> madds, params, times;
    for (const Cost& c : costs) {
      madds.push_back(static_cast<double>(c.madds));
      params.push_back(static_cast<double>(c.params));
      times.push_back(static_cast<double>(c.latency_ns));
    }
    costs_.push_back(std::move(costs));
    madds_.push_back(std::move(madds));
    params_.push_back(std::move(params));
    latency_.push_back(std::move(times));
  }
}

const std::vector<std::vector<double>>& SpaceTable::cost_values(CostKind kind) const {
  AUTOSPACE_CHECK(kind != CostKind::latency || has_latency_, "the space's table was built without a latency table");
  return kind == CostKind::madds ? madds_ : kind == CostKind::params ? params_ : latency_;
}

void SpaceTable::check(const ArchChoice& choice) const {
  // A choice can come from a user (autospace-inspect --choice), so these are errors, not invariants.
  if (choice.size() != layers())
    AUTOSPACE_THROW("architecture choice has ", choice.size(), " layers, the space ", layers());
  for (std::size_t l = 0; l < layers(); ++l)
    if (choice[l] < 0 || choice[l] >= size(l))
      AUTOSPACE_THROW("architecture choice: layer ", l, " picks candidate ", choice[l], " of ", size(l), " (0..",
                      size(l) - 1, ")");
}

Cost SpaceTable::cost(const ArchChoice& choice) const {
  check(choice);
  Cost total = fixed_;
  for (std::size_t l = 0; l < layers(); ++l) total += costs_[l][choice[l]];
  return total;
}

std::vector<std::vector<std::int64_t>> SpaceTable::cost_table(CostKind kind) const {
  AUTOSPACE_CHECK(kind != CostKind::latency || has_latency_, "the space's table was built without a latency table");
  std::vector<std::vector<std::int64_t>> table;
  for (const auto& layer : costs_) {
    std::vector<std::int64_t> row;
    for (const Cost& c : layer) row.push_back(cost_value(c, kind));
    table.push_back(std::move(row));
  }
  return table;
}

std::int64_t SpaceTable::cheapest(std::size_t layer, CostKind kind) const {
  const auto& c = costs_.at(layer);
  return cost_value(*std::min_element(c.begin(), c.end(), [&](const Cost& a, const Cost& b) {
    return cost_value(a, kind) < cost_value(b, kind);
  }), kind);
}

std::int64_t SpaceTable::costliest(std::size_t layer, CostKind kind) const {
  const auto& c = costs_.at(layer);
  return cost_value(*std::max_element(c.begin(), c.end(), [&](const Cost& a, const Cost& b) {
    return cost_value(a, kind) < cost_value(b, kind);
  }), kind);
}

std::int64_t SpaceTable::min_cost(CostKind kind) const {
  std::int64_t m = cost_value(fixed_, kind);
  for (std::size_t l = 0; l < layers(); ++l) m += cheapest(l, kind);
  return m;
}

std::int64_t SpaceTable::max_cost(CostKind kind) const {
  std::int64_t m = cost_value(fixed_, kind);
  for (std::size_t l = 0; l < layers(); ++l) m += costliest(l, kind);
  return m;
}

std::vector<Block> SpaceTable::chosen_blocks(const ArchChoice& choice) const {
  check(choice);
  std::vector<Block> blocks;
  for (std::size_t l = 0; l < layers(); ++l) blocks.push_back(block(l, choice[l]));
  return blocks;
}

Arch SpaceTable::arch(const ArchChoice& choice, const std::string& name) const {
  const std::vector<Block> blocks = chosen_blocks(choice);
  return make_arch(backbone_, blocks, name);
}

std::string choice_key(const ArchChoice& choice) {
  std::string key;
  for (std::size_t i = 0; i < choice.size(); ++i) {
    if (i) key += '.';
    key += std::to_string(choice[i]);
  }
  return key;
}

ArchChoice parse_choice_key(const std::string& key, const std::string& source) {
  ArchChoice choice;
  std::istringstream in(key);
  for (std::string part; std::getline(in, part, '.');) {
    try {
      std::size_t used = 0;
      choice.push_back(std::stoi(part, &used));
      if (used != part.size() || choice.back() < 0) throw std::invalid_argument(part);
    } catch (const std::exception&) {
      AUTOSPACE_THROW(source, ": \"", key, "\" is not an architecture choice (candidate indices joined by '.')");
    }
  }
  return choice;
}

}  // namespace autospace::nas
