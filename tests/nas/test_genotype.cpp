#include <catch2/catch.hpp>

#include <map>
#include <vector>

#include "engine/rng/rng.h"
#include "nas/cell_choices.h"
#include "nas/enumerate.h"
#include "nas/genotype.h"
#include "tests/nas/nas_test_helpers.h"

using namespace autospace;
using namespace autospace::nas;

namespace {

// Raw genotypes (dead edges, irrelevant mixes and all) drawn uniformly from `choices`.
std::vector<Genotype> random_genotypes(std::size_t n, std::uint64_t seed, const CellChoices& choices = {}) {
  Rng rng({seed, RngPurpose::test});
  std::vector<Genotype> out(n);
  for (Genotype& g : out) {
    for (Op& op : g.edges) op = choices.ops[rng.below(choices.ops.size())];
    g.expansion = choices.expansions[rng.below(choices.expansions.size())];
    g.mix = choices.mixes[rng.below(choices.mixes.size())];
  }
  return out;
}

}  // namespace

TEST_CASE("the reference cell is the inverted residual block", "[genotype]") {
  const Genotype ref = reference_genotype();
  CHECK(to_string(ref) == "e6:sum:dw3|zero,id|zero,zero,id");
  CHECK(is_valid(ref));
  CHECK(canonical(ref) == ref);
  CHECK(parse_genotype("e6:sum:dw3|zero,id|zero,zero,id") == ref);
  // Pinned: the hash must not change between runs, builds or platforms.
  CHECK(cell_hash(ref) == 0x985d5cda3995f1cbULL);
}

TEST_CASE("canonicalisation zeroes dead edges and irrelevant mixes", "[genotype]") {
  struct Case {
    const char* raw;
    const char* canonical;
    bool valid;
  };
  const Case cases[] = {
      // n0->n2 leads nowhere (n2->n3 is zero); nothing has two inputs, so concat means nothing.
      {"e6:concat:dw3|c3,zero|zero,id,zero", "e6:sum:dw3|zero,zero|zero,id,zero", true},
      // n1 has no input: n1->n2 and n1->n3 are dead.
      {"e3:concat:zero|c1,c3|zero,dw3,id", "e3:sum:zero|c1,zero|zero,zero,id", true},
      // Only n0->n3.
      {"e1:concat:zero|zero,zero|id,zero,zero", "e1:sum:zero|zero,zero|id,zero,zero", true},
      // Two inputs into n3: the mix matters and stays.
      {"e6:concat:dw3|zero,zero|id,id,zero", "e6:concat:dw3|zero,zero|id,id,zero", true},
      {"e6:sum:c1|c1,c1|c1,c1,c1", "e6:sum:c1|c1,c1|c1,c1,c1", true},
      // n3 unreachable: invalid, every edge dead.
      {"e3:concat:c1|c1,c1|zero,zero,zero", "e3:sum:zero|zero,zero|zero,zero,zero", false},
  };
  for (const Case& c : cases) {
    INFO(c.raw);
    const Genotype g = parse_genotype(c.raw);
    CHECK(to_string(canonical(g)) == c.canonical);
    CHECK(is_valid(g) == c.valid);
  }
}

TEST_CASE("text form: print and parse round trip", "[genotype]") {
  for (const Genotype& g : random_genotypes(3000, 11)) {
    const std::string text = to_string(g);
    CHECK(parse_genotype(text) == g);
  }
  const CellChoices wide{{op_zero(), op_identity(), op_conv(5), op_dwconv(7), op_conv(9)}, {2, 16}, {Mix::concat}};
  for (const Genotype& g : random_genotypes(500, 12, wide)) CHECK(parse_genotype(to_string(g)) == g);
}

TEST_CASE("text form: malformed strings point at the offending part", "[genotype]") {
  struct Case {
    std::string text;
    std::string message;
    std::size_t column;  // 1-based column of the first caret
  };
  const std::vector<Case> cases = {
      {"", "missing part", 1},
      {"e6:sum", "missing part", 7},
      {"e6:sum:dw3|zero,id|zero,zero,id:x", "too many ':' parts", 32},
      {"x6:sum:dw3|zero,id|zero,zero,id", "bad expansion \"x6\"", 1},
      {"e0:sum:dw3|zero,id|zero,zero,id", "expansion 0 is out of range 1..16", 1},
      {"e6:summ:dw3|zero,id|zero,zero,id", "unknown mix \"summ\" (expected sum or concat; did you mean \"sum\"?)", 4},
      {"e6:sum:dw3|zero,id", "expected 3 groups of edges", 19},
      {"e6:sum:dw3|zero,id|zero,zero,id|id", "got 4", 32},
      {"e6:sum:dw3|zero|zero,zero,id", "n2 needs 2 ops (one per edge from n0..n1), got 1", 12},
      {"e6:sum:dw3|zero,idd|zero,zero,id", "edge n1->n2: unknown op \"idd\"", 17},
      {"e6:sum:dw3|zero,idd|zero,zero,id", "did you mean \"id\"?", 17},
      {"e6:sum:dw4|zero,id|zero,zero,id", "edge n0->n1: kernel 4 of op \"dw4\" must be odd", 8},
      {"e6:sum:dw3|zero,id|zero,zero,", "edge n2->n3: empty op", 30},
      {"e6:sum:dw3|zero, id|zero,zero,id", "unknown op \" id\"", 17},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    const std::string message = test::error_of([&] { parse_genotype(c.text); });
    CHECK_THAT(message, Catch::Contains(c.message));
    CHECK_THAT(message, Catch::Contains("(column " + std::to_string(c.column) + ")"));
    // The last line is the caret line, indented like the quoted copy above it.
    const std::string caret_line = message.substr(message.rfind('\n') + 1);
    CHECK(caret_line.find('^') == c.column - 1 + 2);
  }
}

TEST_CASE("genotype invariants over random cells", "[genotype][property]") {
  const auto cells = random_genotypes(4000, 2024);
  std::map<std::string, std::uint64_t> hash_of_form;
  std::map<std::uint64_t, std::string> form_of_hash;
  for (const Genotype& g : cells) {
    const Genotype c = canonical(g);
    // Idempotent, and nothing that matters changes.
    CHECK(canonical(c) == c);
    CHECK(is_valid(c) == is_valid(g));
    CHECK(live_edges(c) == live_edges(g));
    CHECK(cell_hash(g) == cell_hash(c));
    hash_of_form.emplace(to_string(c), cell_hash(c));
    form_of_hash.emplace(cell_hash(c), to_string(c));
    // Redrawing a dead non-zero edge to another non-zero op cannot change the cell.
    const auto live = live_edges(g);
    for (int e = 0; e < kEdgeCount; ++e) {
      if (live[e] || g.edges[e].kind == OpKind::zero) continue;
      Genotype other = g;
      other.edges[e] = g.edges[e] == op_conv(3) ? op_identity() : op_conv(3);
      CHECK(canonical(other) == c);
    }
  }
  // Equal hashes exactly when the canonical forms are equal.
  CHECK(hash_of_form.size() == form_of_hash.size());
  for (const auto& [form, hash] : hash_of_form) CHECK(form_of_hash.at(hash) == form);
}

TEST_CASE("Hamming distance is a metric on canonical forms", "[genotype][property]") {
  const auto a = random_genotypes(3000, 7);
  const auto b = random_genotypes(3000, 8);
  const auto c = random_genotypes(3000, 9);
  for (std::size_t i = 0; i < a.size(); ++i) {
    const int ab = hamming_distance(a[i], b[i]);
    CHECK(hamming_distance(a[i], a[i]) == 0);
    CHECK(ab == hamming_distance(b[i], a[i]));
    CHECK((ab == 0) == (canonical(a[i]) == canonical(b[i])));
    CHECK(ab <= kEdgeCount + 2);
    CHECK(hamming_distance(a[i], c[i]) <= ab + hamming_distance(b[i], c[i]));
  }
  // Eq. 2 counts edges, expansion and mix: the reference against a cell differing in all three.
  CHECK(hamming_distance(reference_genotype(), parse_genotype("e3:concat:dw3|c3,id|zero,zero,id")) == 3);
}

TEST_CASE("cell choices: counts, membership and validation", "[genotype]") {
  const CellChoices defaults;
  CHECK(defaults.genotype_count() == 93'750);
  CHECK(defaults.contains(reference_genotype()));
  // The mix of a cell in which it changes nothing does not have to be offered.
  const CellChoices concat_only{defaults.ops, defaults.expansions, {Mix::concat}};
  CHECK(concat_only.contains(reference_genotype()));
  CHECK_FALSE(concat_only.contains(parse_genotype("e6:sum:dw3|zero,zero|id,id,zero")));
  CHECK_FALSE(CellChoices{{op_zero(), op_identity()}, {6}, {Mix::sum}}.contains(reference_genotype()));
  CHECK_THAT(test::error_of([] { CellChoices{{}, {1}, {Mix::sum}}.validate(); }), Catch::Contains("op list is empty"));
  CHECK_THAT(test::error_of([] { CellChoices{{op_conv(3), op_conv(3)}, {1}, {Mix::sum}}.validate(); }),
             Catch::Contains("op c3 is listed twice"));
  CHECK_THAT(test::error_of([] { CellChoices{{op_conv(4)}, {1}, {Mix::sum}}.validate(); }), Catch::Contains("invalid kernel 4"));
  CHECK_THAT(test::error_of([] { CellChoices{{op_conv(3)}, {17}, {Mix::sum}}.validate(); }),
             Catch::Contains("expansion 17 is out of range"));
}
