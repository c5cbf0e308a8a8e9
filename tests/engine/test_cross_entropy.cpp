#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "engine/ops/cross_entropy.h"
#include "kernels/ref/cross_entropy.h"
#include "tests/support/test_support.h"

using namespace autospace;

namespace {

test::RefForward reference(std::int64_t rows, std::int64_t classes, float smoothing) {
  return [=](const std::vector<std::vector<double>>& in) {
    std::vector<std::int64_t> labels(in[1].begin(), in[1].end());
    return std::vector<double>{
        kernels::ref::softmax_cross_entropy<double>(rows, classes, in[0].data(), labels.data(), smoothing)};
  };
}

}  // namespace

TEST_CASE("softmax_cross_entropy matches the reference and its gradient", "[ops][cross_entropy]") {
  const std::pair<std::int64_t, std::int64_t> shapes[] = {{1, 1}, {1, 3}, {4, 10}, {7, 13}, {64, 100}};
  for (auto [rows, classes] : shapes)
    for (float smoothing : {0.f, 0.1f})
      for (DType label_type : {DType::i64, DType::i32}) {
        INFO("logits [" << rows << ", " << classes << "] smoothing " << smoothing << " labels "
                        << dtype_name(label_type));
        Tensor logits = test::random_tensor({rows, classes}, 3, -4.f, 4.f).set_requires_grad(true);
        Tensor labels = test::random_labels(rows, classes, 4).to(label_type);
        test::check_op(
            {logits, labels},
            [smoothing](const std::vector<Tensor>& in) { return ops::softmax_cross_entropy(in[0], in[1], smoothing); },
            reference(rows, classes, smoothing));
      }
}

TEST_CASE("softmax_cross_entropy against hand-computed values", "[ops][cross_entropy]") {
  Tensor logits = Tensor::from_vector({1.f, 2.f, 3.f}, {1, 3});
  Tensor labels = Tensor::from_int64(std::vector<std::int64_t>{2}, {1});
  const double lse = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0));
  Tensor loss = ops::softmax_cross_entropy(logits, labels);
  CHECK(loss.shape() == Shape{1});
  CHECK(loss.item() == Approx(lse - 3.0));  // 0.40760596
  // Smoothing 0.1 over 3 classes: targets 0.1/3, 0.1/3, 0.9 + 0.1/3, so sum t*z = 0.1 + 2.8.
  CHECK(ops::softmax_cross_entropy(logits, labels, 0.1f).item() == Approx(lse - 2.9));
}

TEST_CASE("softmax_cross_entropy backward is (softmax - target) / N times the incoming gradient",
          "[ops][cross_entropy]") {
  Tensor logits = Tensor::from_vector({1.f, 2.f, 3.f, 0.f, 0.f, 0.f}, {2, 3}).set_requires_grad(true);
  Tensor labels = Tensor::from_int64(std::vector<std::int64_t>{2, 0}, {2});
  ops::softmax_cross_entropy(logits, labels, 0.3f).backward(Tensor::full({1}, 3.f));
  const double z = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  const double off = 0.1, on = 0.7 + 0.1;
  const std::vector<double> want = {
      1.5 * (std::exp(1.0) / z - off), 1.5 * (std::exp(2.0) / z - off), 1.5 * (std::exp(3.0) / z - on),
      1.5 * (1.0 / 3 - on),            1.5 * (1.0 / 3 - off),           1.5 * (1.0 / 3 - off)};
  CHECK(test::relative_l2(test::to_double(logits.grad()), want) < 1e-6);
}

TEST_CASE("softmax_cross_entropy is stable for large logits", "[ops][cross_entropy]") {
  Tensor logits = Tensor::from_vector({1000.f, 0.f, -1000.f, 500.f}, {2, 2}).set_requires_grad(true);
  Tensor labels = Tensor::from_int64(std::vector<std::int64_t>{1, 0}, {2});
  Tensor loss = ops::softmax_cross_entropy(logits, labels);
  CHECK(loss.item() == Approx((1000.0 + 1500.0) / 2));
  loss.backward();
  for (float g : logits.grad().to_vector()) CHECK(std::isfinite(g));
}

TEST_CASE("softmax_cross_entropy rejects bad labels", "[ops][cross_entropy]") {
  Tensor logits = Tensor::zeros({3, 4});
  REQUIRE_THROWS_WITH(
      ops::softmax_cross_entropy(logits, Tensor::from_int64(std::vector<std::int64_t>{0, 4, 1}, {3})),
      Catch::Contains("softmax_cross_entropy: label 4 of row 1 outside [0, 4)"));
  REQUIRE_THROWS_WITH(
      ops::softmax_cross_entropy(logits, Tensor::from_int64(std::vector<std::int64_t>{0, 1, -1}, {3}).to(DType::i32)),
      Catch::Contains("label -1 of row 2"));
  REQUIRE_THROWS_WITH(ops::softmax_cross_entropy(logits, Tensor::zeros({2}, DType::i64)),
                      Catch::Contains("softmax_cross_entropy: labels of shape [2] for logits [3, 4], expected [3]"));
  REQUIRE_THROWS_WITH(ops::softmax_cross_entropy(logits, Tensor::zeros({3})),
                      Catch::Contains("labels must be i64 or i32, got f32"));
  REQUIRE_THROWS_WITH(ops::softmax_cross_entropy(Tensor::zeros({3}), Tensor::zeros({3}, DType::i64)),
                      Catch::Contains("softmax_cross_entropy: logits must have 2 dimensions"));
  REQUIRE_THROWS_WITH(ops::softmax_cross_entropy(logits, Tensor::zeros({3}, DType::i64), 1.5f),
                      Catch::Contains("label smoothing 1.5 outside [0, 1]"));
}
