#include "nas/dea/population.h"

#include <algorithm>
#include <numeric>

#include "kernels/common/check.h"

namespace autospace::nas {

Replacement parse_replacement(const std::string& text) {
  if (text == "worst") return Replacement::worst;
  if (text == "oldest") return Replacement::oldest;
  AUTOSPACE_THROW("replacement \"", text, "\": expected \"worst\" or \"oldest\"");
}

const char* to_string(Replacement r) { return r == Replacement::worst ? "worst" : "oldest"; }

Population Population::random(int size, const CellChoices& choices, const CellConstraint& constraint, Rng& rng,
                              double initial_fitness) {
  AUTOSPACE_CHECK(size >= 1, "population size must be at least 1, got ", size);
  Population p;
  // Distinct cells: a duplicate would be scored twice and crowd out diversity.
  int rejected = 0;
  while (p.size() < size) {
    Genotype cell = sample_cell(choices, rng, constraint);
    if (p.find(cell) >= 0) {
      if (++rejected > 100 * size)
        AUTOSPACE_THROW("cannot find ", size, " distinct cells ", describe(constraint), " (found ", p.size(), ")");
      continue;
    }
    p.members_.push_back({cell, initial_fitness, 0, 0});
  }
  return p;
}

int Population::find(const Genotype& cell) const {
  const std::uint64_t h = cell_hash(cell);
  for (int i = 0; i < size(); ++i)
    if (cell_hash(members_[i].cell) == h) return i;
  return -1;
}

void Population::write_back(int index, double learned_score, double mu) {
  AUTOSPACE_CHECK(index >= 0 && index < size(), "write_back: member ", index, " of ", size());
  Individual& m = members_[index];
  m.fitness = mu * m.fitness + (1 - mu) * learned_score;
  ++m.scored;
}

namespace {
// Whether a beats b in a tournament.
bool fitter(const Individual& a, int ia, const Individual& b, int ib) {
  if (a.fitness != b.fitness) return a.fitness > b.fitness;
  if (a.born != b.born) return a.born > b.born;
  return ia < ib;
}
}  // namespace

int Population::tournament(int sample_size, Rng& rng) const {
  AUTOSPACE_CHECK(size() > 0, "tournament on an empty population");
  const int s = std::clamp(sample_size, 1, size());
  std::vector<int> idx(size());
  std::iota(idx.begin(), idx.end(), 0);
  // Partial Fisher-Yates: the first s entries become a uniform sample without repetition.
  for (int i = 0; i < s; ++i) std::swap(idx[i], idx[i + static_cast<int>(rng.below(size() - i))]);
  int best = idx[0];
  for (int i = 1; i < s; ++i)
    if (fitter(members_[idx[i]], idx[i], members_[best], best)) best = idx[i];
  return best;
}

Individual Population::make_child(int parent, const CellChoices& choices, const CellConstraint& constraint,
                                  std::int64_t round, Rng& rng, int tries) const {
  AUTOSPACE_CHECK(parent >= 0 && parent < size(), "make_child: parent ", parent, " of ", size());
  const Individual& p = members_[parent];
  for (int t = 0; t < tries; ++t) {
    Genotype child = mutate_cell(p.cell, choices, rng, constraint);
    if (find(child) < 0) return {child, p.fitness, round, 0};
  }
  AUTOSPACE_THROW("every mutation of ", to_string(p.cell), " in ", tries, " tries gave a cell already in the population");
}

int Population::replace(const Individual& child, Replacement policy, const std::vector<int>& protect) {
  int victim = -1;
  auto worse = [&](int a, int b) {  // a is the better victim than b
    const Individual &x = members_[a], &y = members_[b];
    if (policy == Replacement::worst) {
      if (x.fitness != y.fitness) return x.fitness < y.fitness;
      return x.born < y.born;
    }
    if (x.born != y.born) return x.born < y.born;
    return x.fitness < y.fitness;
  };
  for (int i = 0; i < size(); ++i) {
    if (std::find(protect.begin(), protect.end(), i) != protect.end()) continue;
    if (victim < 0 || worse(i, victim)) victim = i;
  }
  AUTOSPACE_CHECK(victim >= 0, "replace: every member is protected");
  members_[victim] = child;
  return victim;
}

std::vector<int> Population::supernet_members(const std::vector<int>& first, int count, Rng& rng) const {
  std::vector<int> chosen = first;
  std::vector<int> rest;
  for (int i = 0; i < size(); ++i)
    if (std::find(chosen.begin(), chosen.end(), i) == chosen.end()) rest.push_back(i);
  while (static_cast<int>(chosen.size()) < count && !rest.empty()) {
    const std::size_t k = rng.below(rest.size());
    chosen.push_back(rest[k]);
    rest.erase(rest.begin() + static_cast<std::ptrdiff_t>(k));
  }
  return chosen;
}

std::vector<int> Population::top(int k) const {
  std::vector<int> idx(size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](int a, int b) { return members_[a].fitness > members_[b].fitness; });
  idx.resize(std::min(k, size()));
  return idx;
}

}  // namespace autospace::nas
