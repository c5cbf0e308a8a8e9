#include "nas/search/arch_evolution.h"

#include <algorithm>
#include <limits>
#include <set>

#include "kernels/common/check.h"
#include "nas/search/choice_sampling.h"

namespace autospace::nas {

ArchEvolution::ArchEvolution(const SpaceTable& table, const ArchEvolutionSettings& settings, std::uint64_t seed)
    : table_(table), settings_(settings), seed_(seed) {
  AUTOSPACE_CHECK(settings.population >= 1 && settings.generations >= 1 && settings.parents >= 1,
                  "architecture evolution: population, generations and parents must be positive");
  AUTOSPACE_CHECK(settings.budget.target > 0, "architecture evolution: the budget's target must be positive");
}

std::vector<ArchChoice> ArchEvolution::proposals() const {
  std::set<ArchChoice> seen;
  for (const EvaluatedArch& e : history_)
    if (e.generation < generation_) seen.insert(e.choice);
  Rng rng({seed_, RngPurpose::evolution, static_cast<std::uint32_t>(generation_), 0});
  std::vector<ArchChoice> out;
  const auto take = [&](const std::optional<ArchChoice>& c) {
    if (c && seen.insert(*c).second) out.push_back(*c);
  };
  const bool draw = settings_.random || generation_ == 0 || population_.empty();
  const int wanted = draw ? settings_.population : settings_.mutations + settings_.crossovers;
  // Small spaces may hold fewer new architectures than asked for: give up after a while.
  const int max_tries = 20 * std::max(1, wanted);
  if (draw) {
    for (int t = 0; t < max_tries && static_cast<int>(out.size()) < wanted; ++t)
      take(sample_choice(table_, rng, settings_.budget));
    return out;
  }
  const int parents = std::min<int>(settings_.parents, static_cast<int>(population_.size()));
  const auto parent = [&] { return population_[rng.below(static_cast<std::uint64_t>(parents))]; };
  for (int t = 0; t < max_tries && static_cast<int>(out.size()) < settings_.mutations; ++t)
    take(mutate_choice(table_, parent(), settings_.mutation_probability, settings_.budget, rng));
  const std::size_t mutants = out.size();
  for (int t = 0; t < max_tries && out.size() - mutants < static_cast<std::size_t>(settings_.crossovers); ++t) {
    const ArchChoice a = parent(), b = parent();
    if (a != b) take(crossover_choice(table_, a, b, settings_.budget, rng));
  }
  return out;
}

bool ArchEvolution::evaluated(const ArchChoice& choice) const {
  return std::any_of(history_.begin(), history_.end(), [&](const EvaluatedArch& e) { return e.choice == choice; });
}

void ArchEvolution::record(const ArchChoice& choice, double accuracy) {
  if (evaluated(choice)) return;
  history_.push_back({choice, accuracy, table_.cost(choice), generation_});
}

std::vector<EvaluatedArch> ArchEvolution::ranked() const {
  std::vector<EvaluatedArch> r = history_;
  std::stable_sort(r.begin(), r.end(), [](const EvaluatedArch& a, const EvaluatedArch& b) { return a.accuracy > b.accuracy; });
  return r;
}

void ArchEvolution::next_generation() {
  population_.clear();
  for (const EvaluatedArch& e : ranked()) {
    if (static_cast<int>(population_.size()) == settings_.population) break;
    population_.push_back(e.choice);
  }
  ++generation_;
}

std::vector<EvaluatedArch> ArchEvolution::population() const {
  std::vector<EvaluatedArch> out;
  for (const ArchChoice& c : population_)
    for (const EvaluatedArch& e : history_)
      if (e.choice == c) out.push_back(e);
  return out;
}

const EvaluatedArch& ArchEvolution::best() const {
  AUTOSPACE_CHECK(!history_.empty(), "architecture evolution: nothing evaluated yet");
  const EvaluatedArch* best = &history_.front();
  for (const EvaluatedArch& e : history_)
    if (e.accuracy > best->accuracy) best = &e;
  return *best;
}

std::vector<EvaluatedArch> ArchEvolution::pareto_front() const {
  std::vector<EvaluatedArch> r = history_;
  const CostKind kind = settings_.budget.kind;
  std::stable_sort(r.begin(), r.end(), [kind](const EvaluatedArch& a, const EvaluatedArch& b) {
    const std::int64_t ca = cost_value(a.cost, kind), cb = cost_value(b.cost, kind);
    return ca != cb ? ca < cb : a.accuracy > b.accuracy;
  });
  std::vector<EvaluatedArch> front;
  for (const EvaluatedArch& e : r)
    if (front.empty() || e.accuracy > front.back().accuracy) front.push_back(e);
  return front;
}

nas::Json ArchEvolution::state() const {
  nas::Json history = nas::Json::array();
  for (const EvaluatedArch& e : history_)
    history.push_back({{"choice", choice_key(e.choice)}, {"accuracy", e.accuracy}, {"generation", e.generation}});
  nas::Json population = nas::Json::array();
  for (const ArchChoice& c : population_) population.push_back(choice_key(c));
  return {{"generation", generation_}, {"history", history}, {"population", population}};
}

void ArchEvolution::restore(const nas::Json& state, const std::string& source) {
  constexpr std::int64_t kMaxInt = std::numeric_limits<int>::max();
  generation_ = static_cast<int>(state_integer(state.at("generation"), "generation", source, 0, kMaxInt));
  history_.clear();
  population_.clear();
  for (const auto& h : state.at("history")) {
    const ArchChoice c = parse_choice_key(h.at("choice").get<std::string>(), source);
    history_.push_back({c, h.at("accuracy").get<double>(), table_.cost(c), static_cast<int>(state_integer(h.at("generation"), "history.generation", source, 0, kMaxInt))});
  }
  for (const auto& p : state.at("population")) population_.push_back(parse_choice_key(p.get<std::string>(), source));
}

}  // namespace autospace::nas
