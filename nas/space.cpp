#include "nas/space.h"

#include "kernels/common/check.h"
#include "nas/enumerate.h"

namespace autospace::nas {

std::string_view to_string(SpaceKind kind) {
  switch (kind) {
    case SpaceKind::open: return "open";
    case SpaceKind::irb: return "irb";
    case SpaceKind::learned: return "learned";
  }
  return "?";
}

Space::Space(Backbone backbone, bool skip)
    : backbone_(std::move(backbone)), skip_(skip), positions_(searchable_positions(backbone_)) {}

std::vector<Cost> Space::candidate_costs(std::size_t layer) const {
  std::vector<Cost> costs;
  for (const Candidate& c : candidates(layer)) costs.push_back(block_cost(c.block, position(layer)));
  return costs;
}

void Space::add_skip(std::size_t layer, std::vector<Candidate>& candidates) const {
  if (skip_ && position(layer).skippable()) candidates.push_back({ZeroBlock{}, std::nullopt});
}

OpenSpace::OpenSpace(Backbone backbone, CellChoices choices, bool skip)
    : Space(std::move(backbone), skip), choices_(std::move(choices)), cells_(distinct_cells(choices_)) {
  if (cells_.empty()) AUTOSPACE_THROW("open space: the cell choices allow no valid cell");
}

std::vector<Candidate> OpenSpace::candidates(std::size_t layer) const {
  AUTOSPACE_CHECK(layer < layer_count(), "layer ", layer, " of ", layer_count());
  std::vector<Candidate> out;
  out.reserve(cells_.size() + 1);
  for (const Genotype& g : cells_) out.push_back({CellBlock{g, backbone().se_ratio, std::nullopt}, std::nullopt});
  add_skip(layer, out);
  return out;
}

IrbSpace::IrbSpace(Backbone backbone, IrbChoices choices, bool skip)
    : Space(std::move(backbone), skip), choices_(std::move(choices)) {
  if (choices_.kernels.empty() || choices_.expansions.empty()) AUTOSPACE_THROW("irb space: no kernel or no expansion");
}

std::vector<Candidate> IrbSpace::candidates(std::size_t layer) const {
  AUTOSPACE_CHECK(layer < layer_count(), "layer ", layer, " of ", layer_count());
  std::vector<Candidate> out;
  for (int kernel : choices_.kernels)
    for (int expansion : choices_.expansions)
      out.push_back({MbConvBlock{kernel, expansion, backbone().se_ratio, std::nullopt}, std::nullopt});
  add_skip(layer, out);
  return out;
}

LearnedSpace::LearnedSpace(Backbone backbone, std::vector<std::vector<LearnedCell>> layers, bool skip)
    : Space(std::move(backbone), skip), layers_(std::move(layers)) {
  if (layers_.size() != layer_count())
    AUTOSPACE_THROW("learned space: ", layers_.size(), " layers of cells for ", layer_count(), " searchable layers");
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    if (layers_[i].empty()) AUTOSPACE_THROW("learned space: layer ", i, " has no cell");
    for (const LearnedCell& c : layers_[i])
      if (!is_valid(c.genotype)) AUTOSPACE_THROW("learned space: layer ", i, ": cell ", to_string(c.genotype), " is invalid");
  }
}

std::vector<Candidate> LearnedSpace::candidates(std::size_t layer) const {
  std::vector<Candidate> out;
  for (const LearnedCell& c : cells(layer)) out.push_back({CellBlock{c.genotype, backbone().se_ratio, std::nullopt}, c.fitness});
  add_skip(layer, out);
  return out;
}

}  // namespace autospace::nas
