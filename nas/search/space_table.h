#pragma once
// A space's candidates and their costs, tabulated once for the searchers, and an
// architecture as one candidate index per searchable layer (ArchChoice). The open space
// offers the same tens of thousands of cells at every layer: layers with equal candidate
// lists share one list.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "nas/latency/latency_table.h"
#include "nas/search/budget.h"
#include "nas/space.h"

namespace autospace::nas {

// choice[i] indexes the candidates of searchable layer i.
using ArchChoice = std::vector<int>;

class SpaceTable {
 public:
  // With a latency table (read from `latency_origin`) every candidate's and the fixed
  // parts' Cost::latency_ns come from its entries (an entry missing is an error naming
  // the table and the part); without one latency is not a cost this table knows.
  explicit SpaceTable(const Space& space, const LatencyTable* latency = nullptr,
                      const std::string& latency_origin = "");

  const Backbone& backbone() const { return backbone_; }
  SpaceKind kind() const { return kind_; }
  std::size_t layers() const { return blocks_.size(); }
  int size(std::size_t layer) const { return static_cast<int>(blocks_.at(layer)->size()); }
  const std::vector<Block>& blocks(std::size_t layer) const { return *blocks_.at(layer); }
  const Block& block(std::size_t layer, int k) const { return blocks_.at(layer)->at(k); }
  const std::vector<Cost>& costs(std::size_t layer) const { return costs_.at(layer); }
  // One cost of every layer's candidates: as doubles (for expected_network_cost) and as
  // integers (for the budget export).
  const std::vector<std::vector<double>>& cost_values(CostKind kind) const;
  bool has_latency() const { return has_latency_; }
  std::vector<std::vector<std::int64_t>> cost_table(CostKind kind) const;
  // The largest expansion of any candidate (what the supernet's weight banks are sized for).
  int max_expansion() const { return max_expansion_; }

  // Stem, fixed layers, head and classifier.
  const Cost& fixed_cost() const { return fixed_; }
  // The whole network of `choice`; throws naming the layer when an index is out of range.
  Cost cost(const ArchChoice& choice) const;
  // The cheapest and the costliest candidate of `layer`, and the cheapest and costliest
  // network of the space (per layer its cheapest or costliest candidate).
  std::int64_t cheapest(std::size_t layer, CostKind kind) const;
  std::int64_t costliest(std::size_t layer, CostKind kind) const;
  std::int64_t min_cost(CostKind kind) const;
  std::int64_t max_cost(CostKind kind) const;

  std::vector<Block> chosen_blocks(const ArchChoice& choice) const;
  Arch arch(const ArchChoice& choice, const std::string& name) const;

 private:
  void check(const ArchChoice& choice) const;

  Backbone backbone_;
  SpaceKind kind_;
  std::vector<std::shared_ptr<const std::vector<Block>>> blocks_;
  std::vector<std::vector<Cost>> costs_;
  std::vector<std::vector<double>> madds_, params_, latency_;
  Cost fixed_;
  bool has_latency_ = false;
  int max_expansion_ = 1;
};

// "3.0.5.1": a choice as a key (deduplication, logs).
std::string choice_key(const ArchChoice& choice);
ArchChoice parse_choice_key(const std::string& key, const std::string& source);

}  // namespace autospace::nas
