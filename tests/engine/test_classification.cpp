// The classification counts (ops::accumulate_classification, nn::ClassificationTotals)
// against the naive reference (kernels/ref/classification.h: each row sorted). A count has
// no gradient, so there is no finite-difference check; the GPU's parity case is in
// test_cuda_parity.cpp.
#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "engine/nn/accuracy.h"
#include "engine/ops/classification.h"
#include "kernels/ref/classification.h"
#include "tests/support/test_support.h"

using namespace autospace;

namespace {

// Logits rounded to quarters, so that ties are common, with some rows poisoned by a NaN
// or an infinity.
Tensor tied_logits(std::int64_t rows, std::int64_t classes, std::uint64_t seed) {
  std::mt19937_64 gen(seed);
  std::uniform_int_distribution<int> quarter(-8, 8), pick(0, 9);
  std::vector<float> v(static_cast<std::size_t>(rows * classes));
  for (float& x : v) x = 0.25f * static_cast<float>(quarter(gen));
  for (std::int64_t r = 0; r < rows; ++r) {
    const int poison = pick(gen);
    float* row = v.data() + r * classes;
    if (poison == 0) row[gen() % classes] = std::nanf("");
    if (poison == 1) row[gen() % classes] = -INFINITY;
  }
  return Tensor::from_vector(v, {rows, classes});
}

}  // namespace

TEST_CASE("classification counts match the sorting reference, ties and non-finite rows included",
          "[ops][classification]") {
  const std::pair<std::int64_t, std::int64_t> shapes[] = {{1, 1}, {3, 2}, {17, 10}, {64, 13}, {300, 100}};
  std::uint64_t seed = 1;
  for (auto [rows, classes] : shapes)
    for (int k : {1, 2, 5}) {
      INFO("logits [" << rows << ", " << classes << "] k " << k);
      const Tensor logits = tied_logits(rows, classes, ++seed), labels = test::random_labels(rows, classes, ++seed);
      const auto want = kernels::ref::classification_counts(rows, classes, logits.data<float>(),
                                                            labels.data<std::int64_t>(), std::min<std::int64_t>(k, classes));
      const Tensor loss_sum = Tensor::zeros({2}), counts = Tensor::zeros({3}, DType::i64);
      ops::accumulate_classification(logits, labels.to(Device::cpu()).to(DType::i32), k, Tensor(), loss_sum, counts);
      const std::int64_t* c = counts.data<std::int64_t>();
      CHECK(c[0] == want.top1);
      CHECK(c[1] == want.topk);
      CHECK(c[2] == want.nonfinite);
      CHECK(loss_sum.to_vector() == std::vector<float>{0.f, 0.f});  // no loss given, none added
      CHECK(nn::count_topk_correct(logits, labels, k) == want.topk);
    }
}

TEST_CASE("classification totals: counts add up over batches, the loss sum stays exact to double precision",
          "[ops][classification]") {
  nn::ClassificationTotals totals(Device::cpu(), 5);
  kernels::ref::ClassificationCounts want;
  double want_loss = 0;
  std::mt19937_64 gen(7);
  std::uniform_real_distribution<float> loss_of(0.5f, 3.f);
  // 20,000 batches of 50: a plain float sum of ~1.75M would lose about 1e-4 relative.
  for (int b = 0; b < 20000; ++b) {
    const float loss = loss_of(gen);
    want_loss += static_cast<double>(loss * 50.f);
    const Tensor logits = tied_logits(50, 10, static_cast<std::uint64_t>(b));
    const Tensor labels = test::random_labels(50, 10, static_cast<std::uint64_t>(b) + 100000);
    totals.add(logits, labels, Tensor::from_vector({loss}, {1}));
    const auto c = kernels::ref::classification_counts(50, 10, logits.data<float>(), labels.data<std::int64_t>(), 5);
    want.top1 += c.top1;
    want.topk += c.topk;
    want.nonfinite += c.nonfinite;
  }
  const auto sums = totals.sums();
  CHECK(sums.top1 == want.top1);
  CHECK(sums.topk == want.topk);
  CHECK(sums.nonfinite == want.nonfinite);
  CHECK(std::abs(sums.loss - want_loss) / want_loss < 1e-9);
}

TEST_CASE("classification counts refuse bad arguments by name, and never read past a bad label",
          "[ops][classification]") {
  const Tensor logits = Tensor::from_vector({0.1f, 0.9f, 0.5f, 0.3f}, {2, 2});
  const Tensor loss_sum = Tensor::zeros({2}), counts = Tensor::zeros({3}, DType::i64);
  CHECK_THROWS_WITH(ops::accumulate_classification(logits, Tensor::from_int64({0}, {1}), 1, Tensor(), loss_sum, counts),
                    Catch::Contains("labels of shape [1] for logits [2, 2]"));
  CHECK_THROWS_WITH(ops::accumulate_classification(logits, Tensor::from_int64({0, 1}, {2}), 1, Tensor(),
                                                   Tensor::zeros({3}), counts),
                    Catch::Contains("loss_sum of shape [3], expected [2]"));
  CHECK_THROWS_WITH(ops::accumulate_classification(logits, Tensor::from_int64({0, 1}, {2}), 0, Tensor(), loss_sum, counts),
                    Catch::Contains("k = 0"));
  // The loss refuses such labels; the counts treat them as wrong instead of reading memory.
  ops::accumulate_classification(logits, Tensor::from_int64({-1, 7}, {2}), 1, Tensor(), loss_sum, counts);
  CHECK(counts.data<std::int64_t>()[0] == 0);
  CHECK(counts.data<std::int64_t>()[1] == 0);
  CHECK(counts.data<std::int64_t>()[2] == 0);
}
