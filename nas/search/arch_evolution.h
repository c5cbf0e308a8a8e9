#pragma once
// The search half of SPOS (DESIGN 4.5): evolution over whole architectures of a space,
// scored by the caller (on the trained single-path supernet, after BN recalibration),
// inside a budget's band (budget.h). Generation 0 draws `population` architectures; every later one
// breeds `mutations` mutants and `crossovers` crosses of the `parents` best so far. The
// population is the best `population` of everything evaluated; no architecture is
// evaluated twice. With `random` set every generation draws new architectures instead
// (the random-search baseline, at the same number of evaluations).
//
// Proposals are a pure function of (seed, generation, what earlier generations found),
// so a search interrupted inside a generation proposes the same architectures again on
// resume and only the ones not yet recorded need evaluating.
#include <cstdint>
#include <vector>

#include "nas/json_check.h"
#include "nas/search/budget.h"
#include "nas/search/space_table.h"

namespace autospace::nas {

struct ArchEvolutionSettings {
  bool random = false;
  int population = 50;
  int generations = 20;
  int parents = 10;
  int mutations = 25;
  int crossovers = 25;
  double mutation_probability = 0.1;
  Budget budget;  // proposals lie in its band
};

struct EvaluatedArch {
  ArchChoice choice;
  double accuracy = 0;
  Cost cost;
  int generation = 0;
};

class ArchEvolution {
 public:
  ArchEvolution(const SpaceTable& table, const ArchEvolutionSettings& settings, std::uint64_t seed);

  int generation() const { return generation_; }
  bool finished() const { return generation_ >= settings_.generations; }
  // What the current generation evaluates (none of it evaluated in an earlier generation).
  std::vector<ArchChoice> proposals() const;
  bool evaluated(const ArchChoice& choice) const;
  void record(const ArchChoice& choice, double accuracy);
  // Closes the generation: the population becomes the best of everything evaluated.
  void next_generation();

  const std::vector<EvaluatedArch>& history() const { return history_; }
  // The population, best first (accuracy; the earlier evaluation on ties).
  std::vector<EvaluatedArch> population() const;
  const EvaluatedArch& best() const;
  // The evaluated architectures no other beats in both accuracy and the budget's cost, by cost.
  std::vector<EvaluatedArch> pareto_front() const;

  nas::Json state() const;
  void restore(const nas::Json& state, const std::string& source);

 private:
  std::vector<EvaluatedArch> ranked() const;

  const SpaceTable& table_;
  ArchEvolutionSettings settings_;
  std::uint64_t seed_;
  int generation_ = 0;
  std::vector<EvaluatedArch> history_;
  std::vector<ArchChoice> population_;  // fixed at the start of each generation
};

}  // namespace autospace::nas
