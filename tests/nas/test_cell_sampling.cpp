#include <catch2/catch.hpp>

#include <set>

#include "nas/cell_sampling.h"
#include "nas/cost_model.h"
#include "tests/nas/nas_test_helpers.h"

using namespace autospace;
using namespace autospace::nas;

namespace {

Rng rng_for(std::uint64_t seed) { return Rng({seed, RngPurpose::evolution}); }

// Whether `child` is the canonical form of `parent` with one position redrawn.
bool one_step_from(const Genotype& parent, const Genotype& child, const CellChoices& choices) {
  const Genotype p = canonical(parent);
  auto reaches = [&](Genotype g) { return canonical(g) == child; };
  for (int e = 0; e < kEdgeCount; ++e)
    for (const Op& op : choices.ops) {
      Genotype g = p;
      g.edges[e] = op;
      if (op != p.edges[e] && reaches(g)) return true;
    }
  for (int x : choices.expansions) {
    Genotype g = p;
    g.expansion = x;
    if (x != p.expansion && reaches(g)) return true;
  }
  for (Mix m : choices.mixes) {
    Genotype g = p;
    g.mix = m;
    if (m != p.mix && reaches(g)) return true;
  }
  return false;
}

const LayerPosition kPosition{40, 40, 1, 28, 28};

}  // namespace

TEST_CASE("random cells are valid, canonical, in the choices and reproducible", "[sampling][property]") {
  const CellChoices choices;
  Rng rng = rng_for(1);
  std::set<std::uint64_t> distinct;
  std::vector<Genotype> first;
  for (int i = 0; i < 3000; ++i) {
    const Genotype g = sample_cell(choices, rng);
    CHECK(is_valid(g));
    CHECK(canonical(g) == g);
    CHECK(choices.contains(g));
    distinct.insert(cell_hash(g));
    first.push_back(g);
  }
  CHECK(distinct.size() > 2000);
  Rng again = rng_for(1);
  for (const Genotype& g : first) CHECK(sample_cell(choices, again) == g);
}

TEST_CASE("mutation changes one position and never returns the parent or an invalid cell", "[sampling][property]") {
  const CellChoices choices;
  Rng rng = rng_for(2);
  std::set<int> distances;
  for (int i = 0; i < 3000; ++i) {
    const Genotype parent = sample_cell(choices, rng);
    const Genotype child = mutate_cell(parent, choices, rng);
    CHECK(is_valid(child));
    CHECK(canonical(child) == child);
    CHECK(child != parent);
    CHECK(choices.contains(child));
    CHECK(one_step_from(parent, child, choices));
    distances.insert(hamming_distance(parent, child));
  }
  // One position redrawn, but zeroing an edge can kill the edges that depended on it.
  CHECK(distances.count(1) == 1);
  CHECK(*distances.begin() >= 1);
}

TEST_CASE("sampling and mutation respect the reference constraint (Eq. 2)", "[sampling][property]") {
  const CellChoices choices;
  const Genotype ref = reference_genotype();
  Rng rng = rng_for(3);
  for (int delta : {0, 1, 2, 3, 5, 8}) {
    INFO("delta " << delta);
    const CellConstraint constraint{ref, delta, std::nullopt};
    std::set<std::uint64_t> distinct;
    for (int i = 0; i < 400; ++i) {
      const Genotype g = sample_cell(choices, rng, constraint);
      CHECK(hamming_distance(g, ref) <= delta);
      distinct.insert(cell_hash(g));
      if (delta > 0) CHECK(hamming_distance(mutate_cell(g, choices, rng, constraint), ref) <= delta);
    }
    if (delta == 0) CHECK(distinct == std::set<std::uint64_t>{cell_hash(ref)});
    if (delta >= 2) CHECK(distinct.size() > 20);
  }
}

TEST_CASE("sampling and mutation respect a MAdds cap", "[sampling]") {
  const CellChoices choices;
  const std::int64_t cap = cell_cost(reference_genotype(), kPosition).madds;
  const CellConstraint constraint{std::nullopt, 0, MaddsCap{kPosition, cap, 0}};
  Rng rng = rng_for(4);
  for (int i = 0; i < 500; ++i) {
    const Genotype g = sample_cell(choices, rng, constraint);
    CHECK(cell_cost(g, kPosition).madds <= cap);
    CHECK(cell_cost(mutate_cell(g, choices, rng, constraint), kPosition).madds <= cap);
  }
}

TEST_CASE("impossible constraints fail with a clear error", "[sampling]") {
  const CellChoices choices;
  Rng rng = rng_for(5);
  // The reference uses dw3, which these choices do not offer.
  const CellChoices no_dw{{op_zero(), op_identity(), op_conv(1), op_conv(3)}, {1, 3, 6}, {Mix::sum, Mix::concat}};
  const std::string tight = test::error_of([&] { sample_cell(no_dw, rng, {reference_genotype(), 0, std::nullopt}, 500); });
  CHECK_THAT(tight, Catch::Contains("no valid cell of the cell choices found within Hamming distance 0 of e6:sum:dw3|zero,id|zero,zero,id"));
  CHECK_THAT(tight, Catch::Contains("in 500 tries"));
  CHECK_THAT(test::error_of([&] { sample_cell(choices, rng, {reference_genotype(), -1, std::nullopt}); }),
             Catch::Contains("delta = -1 can never be met"));
  const std::string capped = test::error_of([&] { sample_cell(choices, rng, {std::nullopt, 0, MaddsCap{kPosition, 10, 0}}, 200); });
  CHECK_THAT(capped, Catch::Contains("at most 10 MAdds at 28x28x40 -> 40 channels, stride 1"));
  // A space of one cell has no mutation at all.
  const CellChoices single{{op_identity()}, {6}, {Mix::sum}};
  const Genotype only = sample_cell(single, rng);
  CHECK_THAT(test::error_of([&] { mutate_cell(only, single, rng); }), Catch::Contains("has no single-position mutation"));
  CHECK_THAT(test::error_of([&] { mutate_cell(parse_genotype("e6:sum:zero|zero,zero|zero,zero,zero"), choices, rng); }),
             Catch::Contains("is not a valid cell"));
}
