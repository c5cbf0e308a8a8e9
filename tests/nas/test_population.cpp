#include <catch2/catch.hpp>
#include <set>

#include "nas/dea/population.h"

using namespace autospace;
using namespace autospace::nas;

namespace {
Rng rng_for(std::uint32_t step) { return Rng({99, RngPurpose::evolution, 0, step}); }
}  // namespace

TEST_CASE("population: random initial cells are distinct, valid and meet the reference constraint", "[dea]") {
  Rng rng = rng_for(0);
  CellConstraint near_ref{reference_genotype(), 2, std::nullopt};
  Population p = Population::random(40, CellChoices{}, near_ref, rng);
  std::set<std::uint64_t> hashes;
  for (const auto& m : p.members()) {
    CHECK(is_valid(m.cell));
    CHECK(canonical(m.cell) == m.cell);
    CHECK(hamming_distance(m.cell, reference_genotype()) <= 2);
    hashes.insert(cell_hash(m.cell));
  }
  CHECK(hashes.size() == 40);
  Rng again = rng_for(0);
  Population q = Population::random(40, CellChoices{}, near_ref, again);
  for (int i = 0; i < 40; ++i) CHECK(q.members()[i].cell == p.members()[i].cell);  // reproducible
}

TEST_CASE("population: Eq. 5 write-back with momentum", "[dea]") {
  Rng rng = rng_for(1);
  Population p = Population::random(3, CellChoices{}, {}, rng, 1.0);
  p.write_back(1, 3.0, 0.9);
  CHECK(p.members()[1].fitness == Approx(0.9 * 1.0 + 0.1 * 3.0));
  CHECK(p.members()[1].scored == 1);
  p.write_back(1, 3.0, 0.0);
  CHECK(p.members()[1].fitness == Approx(3.0));
  CHECK_THROWS_WITH(p.write_back(3, 0, 0.5), Catch::Contains("member 3 of 3"));
}

TEST_CASE("population: tournament returns the fittest of a uniform sample", "[dea]") {
  Rng rng = rng_for(2);
  Population p = Population::random(10, CellChoices{}, {}, rng);
  for (int i = 0; i < 10; ++i) p.members()[i].fitness = i;
  CHECK(p.tournament(10, rng) == 9);  // the whole population: the best always wins
  std::vector<int> wins(10, 0);
  const int n = 20000;
  for (int t = 0; t < n; ++t) ++wins[p.tournament(3, rng)];
  // P(member i wins a 3-sample) = C(i, 2) / C(10, 3).
  for (int i = 0; i < 10; ++i) CHECK(wins[i] / double(n) == Approx(i * (i - 1) / 2 / 120.0).margin(0.012));
}

TEST_CASE("population: children are new mutations inheriting fitness, replacement policies", "[dea]") {
  Rng rng = rng_for(3);
  Population p = Population::random(6, CellChoices{}, {}, rng);
  for (int i = 0; i < 6; ++i) {
    p.members()[i].fitness = 10 - i;
    p.members()[i].born = i % 3;
  }
  const Individual child = p.make_child(0, CellChoices{}, {}, 7, rng);
  CHECK(p.find(child.cell) < 0);
  CHECK(hamming_distance(child.cell, p.members()[0].cell) >= 1);
  CHECK(child.fitness == 10);
  CHECK(child.born == 7);

  Population worst = p, oldest = p;
  CHECK(worst.replace(child, Replacement::worst, {}) == 5);              // fitness 5
  CHECK(worst.replace(child, Replacement::worst, {5, 4}) == 3);          // protected ones skipped
  CHECK(oldest.replace(child, Replacement::oldest, {}) == 3);            // born 0, the worse of {0, 3}
  CHECK_THROWS_WITH(p.replace(child, Replacement::worst, {0, 1, 2, 3, 4, 5}), Catch::Contains("every member is protected"));
  CHECK(parse_replacement("oldest") == Replacement::oldest);
  CHECK_THROWS_WITH(parse_replacement("best"), Catch::Contains("expected \"worst\" or \"oldest\""));
}

TEST_CASE("population: supernet members and top-K", "[dea]") {
  Rng rng = rng_for(4);
  Population p = Population::random(12, CellChoices{}, {}, rng);
  for (int i = 0; i < 12; ++i) p.members()[i].fitness = (i * 7) % 12;
  const auto chosen = p.supernet_members({3, 8}, 9, rng);
  REQUIRE(chosen.size() == 9);
  CHECK(chosen[0] == 3);
  CHECK(chosen[1] == 8);
  CHECK(std::set<int>(chosen.begin(), chosen.end()).size() == 9);
  CHECK(p.supernet_members({}, 20, rng).size() == 12);
  const auto best = p.top(3);
  CHECK(best == std::vector<int>{5, 10, 3});  // fitness 11, 10, 9
}
