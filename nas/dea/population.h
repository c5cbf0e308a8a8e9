#pragma once
// One layer's population for the differentiable evolutionary algorithm (DESIGN 4.4): cells
// with fitness F, an age (the round they were born in) and how often they were scored.
// The evolutionary decisions — Eq. 5 write-back, tournament selection, mutation under the
// layer's constraints, replacement, and which cells form the next supernet — are made here
// from the caller's counter-based Rng, so every rank of a distributed run makes the same.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/rng/rng.h"
#include "nas/cell_sampling.h"

namespace autospace::nas {

struct Individual {
  Genotype cell;  // canonical
  double fitness = 0;
  std::int64_t born = 0;    // evolution round of birth (0 = initial population)
  std::int64_t scored = 0;  // rounds in which it sat in the supernet and was written back
};

enum class Replacement { worst, oldest };
Replacement parse_replacement(const std::string& text);  // "worst" | "oldest"
const char* to_string(Replacement r);

class Population {
 public:
  Population() = default;
  // `size` distinct random valid cells meeting `constraint`, fitness `initial_fitness`.
  static Population random(int size, const CellChoices& choices, const CellConstraint& constraint, Rng& rng,
                           double initial_fitness = 0);

  const std::vector<Individual>& members() const { return members_; }
  std::vector<Individual>& members() { return members_; }
  int size() const { return static_cast<int>(members_.size()); }
  // Index of the member with this canonical cell, or -1.
  int find(const Genotype& cell) const;

  // Eq. 5: F <- mu * F + (1 - mu) * a for member `index`.
  void write_back(int index, double learned_score, double mu);

  // Tournament selection: `sample_size` distinct members drawn uniformly; the fittest of
  // them (ties: the younger, then the lower index) wins. Returns its index.
  int tournament(int sample_size, Rng& rng) const;

  // A mutated child of member `parent` that is not yet in the population (redrawn up to
  // `tries` times); it inherits the parent's fitness. Throws autospace::Error when every
  // try produced a cell already present.
  Individual make_child(int parent, const CellChoices& choices, const CellConstraint& constraint, std::int64_t round,
                        Rng& rng, int tries = 50) const;

  // Puts `child` in place of the worst (lowest fitness; ties: the oldest) or the oldest
  // (ties: the worst) member, never one listed in `protect`. Returns the replaced index.
  int replace(const Individual& child, Replacement policy, const std::vector<int>& protect);

  // The next supernet's cells: the given members first, then members drawn uniformly at
  // random without repetition until there are `count` (or the population runs out).
  std::vector<int> supernet_members(const std::vector<int>& first, int count, Rng& rng) const;

  // Indices of the `k` fittest members, fittest first (ties: lower index).
  std::vector<int> top(int k) const;

 private:
  std::vector<Individual> members_;
};

}  // namespace autospace::nas
