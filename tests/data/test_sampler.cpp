// The sampler: seeded epoch order, sharding that partitions the epoch with equal step
// counts, and batches computable at any step (resume).
#include <numeric>
#include <set>

#include "data/sampler.h"
#include "tests/data/data_test_util.h"

using namespace autospace::data;

namespace {

SamplerOptions opts(std::int64_t batch, int rank, int world, bool drop_last, bool shuffle = true) {
  return {99, shuffle, batch, drop_last, rank, world};
}

}  // namespace

TEST_CASE("epoch orders are seeded permutations that change with the epoch", "[data][sampler]") {
  const auto p0 = epoch_permutation(1000, 5, 0);
  std::vector<std::int64_t> sorted = p0;
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::int64_t> iota(1000);
  std::iota(iota.begin(), iota.end(), 0);
  CHECK(sorted == iota);
  CHECK(p0 == epoch_permutation(1000, 5, 0));
  CHECK(p0 != epoch_permutation(1000, 5, 1));
  CHECK(p0 != epoch_permutation(1000, 6, 0));
  CHECK(p0 != iota);
}

TEST_CASE("sharding partitions the epoch exactly with equal step counts", "[data][sampler]") {
  for (int world : {1, 2, 3, 8}) {
    for (bool drop_last : {true, false}) {
      for (std::size_t n : {std::size_t{103}, std::size_t{96}, std::size_t{5}}) {
        INFO("world " << world << " drop_last " << drop_last << " n " << n);
        const std::int64_t batch = 4;
        std::vector<std::int64_t> seen;
        std::int64_t steps = -1;
        for (int rank = 0; rank < world; ++rank) {
          Sampler s(n, opts(batch, rank, world, drop_last));
          s.set_epoch(3);
          if (steps < 0) steps = s.steps_per_epoch();
          REQUIRE(s.steps_per_epoch() == steps);  // every rank takes the same number of steps
          for (std::int64_t k = 0; k < steps; ++k) {
            const auto b = s.batch(k);
            if (drop_last) REQUIRE(b.size() == static_cast<std::size_t>(batch));
            REQUIRE(b.size() <= static_cast<std::size_t>(batch));
            seen.insert(seen.end(), b.begin(), b.end());
          }
        }
        const std::set<std::int64_t> unique(seen.begin(), seen.end());
        CHECK(unique.size() == seen.size());  // no sample twice
        const std::size_t global = static_cast<std::size_t>(batch) * world;
        CHECK(seen.size() == (drop_last ? n / global * global : n));  // everything (or all full steps)
        if (drop_last) {
          // The ranks' batches at step k are the k-th global batch of one process.
          const auto order = epoch_permutation(n, 99, 3);
          const std::set<std::int64_t> want(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(seen.size()));
          CHECK(unique == want);
        }
      }
    }
  }
}

TEST_CASE("a sampler recomputes any step of any epoch without history", "[data][sampler]") {
  Sampler a(50, opts(8, 1, 2, true)), b(50, opts(8, 1, 2, true));
  a.set_epoch(0);
  a.set_epoch(7);
  b.set_epoch(7);
  for (std::int64_t k = a.steps_per_epoch() - 1; k >= 0; --k) CHECK(a.batch(k) == b.batch(k));

  Sampler plain(10, opts(4, 0, 1, false, false));
  plain.set_epoch(4);
  CHECK(plain.batch(0) == std::vector<std::int64_t>{0, 1, 2, 3});
  CHECK(plain.batch(2) == std::vector<std::int64_t>{8, 9});
  CHECK_THROWS(Sampler(10, opts(4, 2, 2, true)));
}
