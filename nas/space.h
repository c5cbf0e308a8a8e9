#pragma once
// Search spaces behind one interface: a backbone whose searchable layers each offer a list
// of candidate blocks. Three kinds: the open space (every distinct valid cell of the cell
// choices), the manual IRB space (MBConv kernel x expansion) and a learned space (per layer
// the top-K cells of the evolution, with their fitness). Where `skip` is set, a zero block
// is offered as the last candidate of every layer where it is legal (stride 1, in == out).
#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "nas/backbone.h"
#include "nas/cell_choices.h"
#include "nas/cost_model.h"

namespace autospace::nas {

enum class SpaceKind { open, irb, learned };
std::string_view to_string(SpaceKind kind);

struct Candidate {
  Block block;
  std::optional<double> fitness;  // learned spaces only
  bool operator==(const Candidate&) const = default;
};

class Space {
 public:
  virtual ~Space() = default;
  virtual SpaceKind kind() const = 0;
  // The candidates of searchable layer `layer` (zero last, where offered).
  virtual std::vector<Candidate> candidates(std::size_t layer) const = 0;

  const Backbone& backbone() const { return backbone_; }
  bool skip() const { return skip_; }
  std::size_t layer_count() const { return positions_.size(); }
  const LayerPosition& position(std::size_t layer) const { return positions_.at(layer); }
  // MAdds and params of every candidate of `layer`, in candidates() order.
  std::vector<Cost> candidate_costs(std::size_t layer) const;

 protected:
  Space(Backbone backbone, bool skip);
  // Appends the zero block when this space offers it at `layer`.
  void add_skip(std::size_t layer, std::vector<Candidate>& candidates) const;

 private:
  Backbone backbone_;
  bool skip_;
  std::vector<LayerPosition> positions_;
};

class OpenSpace final : public Space {
 public:
  OpenSpace(Backbone backbone, CellChoices choices, bool skip);
  SpaceKind kind() const override { return SpaceKind::open; }
  std::vector<Candidate> candidates(std::size_t layer) const override;
  const CellChoices& choices() const { return choices_; }
  // The distinct valid cells in canonical form (the same at every layer).
  const std::vector<Genotype>& cells() const { return cells_; }

 private:
  CellChoices choices_;
  std::vector<Genotype> cells_;
};

// MBConv with every kernel x expansion (the paper's 3, 5, 7 x 3, 6 by default).
struct IrbChoices {
  std::vector<int> kernels = {3, 5, 7};
  std::vector<int> expansions = {3, 6};
  bool operator==(const IrbChoices&) const = default;
};

class IrbSpace final : public Space {
 public:
  IrbSpace(Backbone backbone, IrbChoices choices, bool skip);
  SpaceKind kind() const override { return SpaceKind::irb; }
  std::vector<Candidate> candidates(std::size_t layer) const override;
  const IrbChoices& choices() const { return choices_; }

 private:
  IrbChoices choices_;
};

// One cell of a learned space and the fitness the evolution gave it.
struct LearnedCell {
  Genotype genotype;
  std::optional<double> fitness;
  bool operator==(const LearnedCell&) const = default;
};

class LearnedSpace final : public Space {
 public:
  // `layers[i]` are the cells of searchable layer i, best first; each becomes a cell block
  // with the backbone's squeeze-excite ratio.
  LearnedSpace(Backbone backbone, std::vector<std::vector<LearnedCell>> layers, bool skip);
  SpaceKind kind() const override { return SpaceKind::learned; }
  std::vector<Candidate> candidates(std::size_t layer) const override;
  const std::vector<LearnedCell>& cells(std::size_t layer) const { return layers_.at(layer); }

 private:
  std::vector<std::vector<LearnedCell>> layers_;
};

}  // namespace autospace::nas
