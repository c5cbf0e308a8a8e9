#include <catch2/catch.hpp>
#include <cmath>

#include "engine/nn/accuracy.h"
#include "engine/nn/batch_norm.h"
#include "engine/nn/buffer_snapshot.h"
#include "engine/nn/conv2d.h"
#include "engine/nn/linear.h"
#include "engine/nn/residual_block.h"
#include "engine/nn/se_block.h"
#include "engine/nn/sequential.h"
#include "engine/nn/training_tally.h"
#include "engine/ops/activation.h"
#include "engine/ops/broadcast_mul.h"
#include "engine/ops/pool.h"
#include "engine/ops/step_gate.h"
#include "engine/rng/rng.h"
#include "kernels/ref/batch_norm.h"
#include "kernels/ref/conv2d.h"
#include "tests/support/test_support.h"

using namespace autospace;

namespace {
std::shared_ptr<nn::Sequential> small_net() {
  auto net = std::make_shared<nn::Sequential>();
  net->append("stem", std::make_shared<nn::Conv2d>(3, 8, 3, 1));
  net->append("bn", std::make_shared<nn::BatchNorm2d>(8));
  net->append("se", std::make_shared<nn::SEBlock>(8, 4));
  return net;
}
}  // namespace

TEST_CASE("parameters and buffers have stable dotted names", "[nn]") {
  auto net = small_net();
  std::vector<std::string> names;
  for (auto& [n, t] : net->named_parameters()) names.push_back(n);
  CHECK(names == std::vector<std::string>{"stem.weight", "bn.weight", "bn.bias", "se.fc1.weight", "se.fc1.bias",
                                          "se.fc2.weight", "se.fc2.bias"});
  std::vector<std::string> buffers;
  for (auto& [n, t] : net->named_buffers()) buffers.push_back(n);
  CHECK(buffers == std::vector<std::string>{"bn.running_mean", "bn.running_var"});
  CHECK(net->named_parameters()[0].second.shape() == Shape{8, 3, 3, 3});  // OHWI

  const auto groups = nn::split_weight_decay(net->named_parameters());
  CHECK(groups.decay.size() == 3);     // the three conv weights
  CHECK(groups.no_decay.size() == 4);  // BN affine and biases
}

TEST_CASE("initialisation depends on seed and parameter name, not construction order", "[nn]") {
  auto a = small_net(), b = small_net();
  a->initialize(7);
  b->initialize(7);
  CHECK(a->named_parameters()[0].second.to_vector() == b->named_parameters()[0].second.to_vector());
  b->initialize(8);
  CHECK(a->named_parameters()[0].second.to_vector() != b->named_parameters()[0].second.to_vector());
  // Kaiming normal (fan-out): std = sqrt(2 / (Cout * k * k)).
  nn::Conv2d wide(64, 256, 3);
  wide.initialize(1);
  double s2 = 0;
  const auto w = wide.weight().to_vector();
  for (float v : w) s2 += static_cast<double>(v) * v;
  CHECK(std::sqrt(s2 / w.size()) == Approx(std::sqrt(2.0 / (256 * 9))).epsilon(0.02));
  CHECK(a->named_parameters()[1].second.to_vector() == std::vector<float>(8, 1.f));  // BN gamma
}

TEST_CASE("load_state copies everything or nothing and names every mismatch", "[nn]") {
  auto src = small_net(), dst = small_net();
  src->initialize(1);
  dst->initialize(2);
  nn::load_state(*dst, nn::state_of(*src), "ckpt.safetensors");
  CHECK(dst->named_parameters()[0].second.to_vector() == src->named_parameters()[0].second.to_vector());

  auto bad = nn::state_of(*src);
  bad.erase(bad.begin() + 1);
  bad.emplace_back("extra.weight", Tensor::zeros({1}));
  bad[0].second = Tensor::zeros({1, 2});
  dst->initialize(3);
  const auto before = dst->named_parameters()[2].second.to_vector();
  CHECK_THROWS_WITH(nn::load_state(*dst, bad, "ckpt.safetensors"),
                    Catch::Contains("ckpt.safetensors") && Catch::Contains("missing: bn.weight") &&
                        Catch::Contains("unexpected: extra.weight") && Catch::Contains("stem.weight: file has [1, 2]"));
  CHECK(dst->named_parameters()[2].second.to_vector() == before);
}

TEST_CASE("BN recalibration averages the statistics of N batches", "[nn][batch_norm]") {
  nn::BatchNorm2d bn(3);
  bn.train();
  std::vector<Tensor> batches;
  for (int i = 0; i < 4; ++i) batches.push_back(test::random_tensor({2, 3, 3, 3}, 10 + i, -1.f + i, 1.f + 2 * i));
  nn::begin_bn_recalibration(bn);
  for (const Tensor& b : batches) bn.forward(b);
  nn::end_bn_recalibration(bn);
  for (int c = 0; c < 3; ++c) {
    double mean_of_means = 0, mean_of_vars = 0;
    for (const Tensor& b : batches) {
      const auto v = b.to_vector();
      double m = 0, s2 = 0;
      const int n = 18;
      for (int i = 0; i < n; ++i) m += v[i * 3 + c];
      m /= n;
      for (int i = 0; i < n; ++i) s2 += (v[i * 3 + c] - m) * (v[i * 3 + c] - m);
      mean_of_means += m / 4;
      mean_of_vars += s2 / (n - 1) / 4;  // unbiased, as the running variance is
    }
    CHECK(bn.running_mean().to_vector()[c] == Approx(mean_of_means).epsilon(1e-5));
    CHECK(bn.running_var().to_vector()[c] == Approx(mean_of_vars).epsilon(1e-5));
  }
}

TEST_CASE("SE block forward matches its definition and passes the gradient check", "[nn][se]") {
  nn::SEBlock se(5, 3);
  se.initialize(4);
  const auto params = se.named_parameters();
  Tensor x = test::random_tensor({2, 3, 4, 5}, 3).set_requires_grad(true);
  test::check_op(
      {x}, [&](const std::vector<Tensor>& in) { return se.forward(in[0]); },
      [&](const std::vector<std::vector<double>>& in) {
        const auto w1 = test::to_double(params[0].second), b1 = test::to_double(params[1].second);
        const auto w2 = test::to_double(params[2].second), b2 = test::to_double(params[3].second);
        const auto& v = in[0];
        std::vector<double> out(v.size());
        for (int n = 0; n < 2; ++n) {
          double pooled[5] = {0};
          for (int p = 0; p < 12; ++p)
            for (int c = 0; c < 5; ++c) pooled[c] += v[(n * 12 + p) * 5 + c] / 12;
          double hidden[3];
          for (int r = 0; r < 3; ++r) {
            double z = b1[r];
            for (int c = 0; c < 5; ++c) z += w1[r * 5 + c] * pooled[c];
            hidden[r] = z / (1 + std::exp(-z));  // swish
          }
          for (int c = 0; c < 5; ++c) {
            double z = b2[c];
            for (int r = 0; r < 3; ++r) z += w2[c * 3 + r] * hidden[r];
            const double gate = 1 / (1 + std::exp(-z));
            for (int p = 0; p < 12; ++p) out[(n * 12 + p) * 5 + c] = v[(n * 12 + p) * 5 + c] * gate;
          }
        }
        return out;
      });
}

namespace {

// ResidualBlock's forward in double from the reference kernels (BN in training mode with
// gamma = 1, beta = 0 as initialised).
std::vector<double> residual_block_reference(const std::vector<double>& x, const std::vector<NamedTensor>& params,
                                             std::int64_t n, std::int64_t hw, std::int64_t in, std::int64_t out,
                                             int stride) {
  auto weight = [&](const std::string& name) {
    for (const auto& [pn, t] : params)
      if (pn == name) return test::to_double(t);
    FAIL("no parameter " << name);
    return std::vector<double>{};
  };
  auto conv = [&](const std::vector<double>& v, std::int64_t size, std::int64_t ci, const std::string& name, int k,
                  int s, std::int64_t& out_size) {
    kernels::Conv2dShape shape{n, size, size, ci, out, k, k, s, k / 2, 1};
    out_size = shape.out_h();
    std::vector<double> y(n * out_size * out_size * out);
    const auto w = weight(name);
    kernels::ref::conv2d_forward<double>(shape, v.data(), w.data(), nullptr, y.data());
    return y;
  };
  auto bn = [&](std::vector<double> v) {
    const std::int64_t rows = static_cast<std::int64_t>(v.size()) / out;
    std::vector<double> mean(out), var(out), gamma(out, 1.0), beta(out, 0.0), y(v.size());
    kernels::ref::batch_norm_stats<double>(rows, out, v.data(), mean.data(), var.data());
    kernels::ref::batch_norm_forward<double>(rows, out, v.data(), mean.data(), var.data(), gamma.data(), beta.data(),
                                             1e-5, y.data());
    return y;
  };
  auto relu = [](std::vector<double> v) {
    for (double& e : v) e = std::max(e, 0.0);
    return v;
  };
  std::int64_t h1 = 0, h2 = 0, hs = 0;
  std::vector<double> y = relu(bn(conv(x, hw, in, "conv1.weight", 3, stride, h1)));
  y = bn(conv(y, h1, out, "conv2.weight", 3, 1, h2));
  const std::vector<double> shortcut =
      (stride != 1 || in != out) ? bn(conv(x, hw, in, "shortcut.conv.weight", 1, stride, hs)) : x;
  for (std::size_t i = 0; i < y.size(); ++i) y[i] += shortcut[i];
  return relu(y);
}

}  // namespace

TEST_CASE("residual block matches its definition and passes the gradient check", "[nn][residual]") {
  struct Case {
    std::int64_t in, out;
    int stride;
  };
  for (const Case c : {Case{4, 4, 1}, Case{3, 5, 2}}) {
    nn::ResidualBlock block(c.in, c.out, c.stride);
    block.initialize(5);
    block.train();
    const auto params = block.named_parameters();
    CHECK(params.size() == (c.stride == 1 ? 6u : 9u));
    Tensor x = test::random_tensor({2, 5, 5, c.in}, 9).set_requires_grad(true);
    test::GradCheckOptions options;
    options.forward_tol = 1e-4;  // two batch norms over 18-50 values per channel in f32
    options.grad_tol = 5e-3;
    test::check_op(
        {x}, [&](const std::vector<Tensor>& in) { return block.forward(in[0]); },
        [&](const std::vector<std::vector<double>>& in) {
          return residual_block_reference(in[0], params, 2, 5, c.in, c.out, c.stride);
        },
        options);
  }
}

TEST_CASE("top-k counting ranks ties stably and never counts a non-finite row", "[nn]") {
  const Tensor logits = Tensor::from_vector({0.1f, 0.9f, 0.5f, 0.3f, 0.3f, 0.3f}, {2, 3});
  const Tensor labels = Tensor::from_int64({2, 2}, {2});
  CHECK(nn::count_topk_correct(logits, labels, 1) == 0);
  CHECK(nn::count_topk_correct(logits, labels, 2) == 1);  // row 1: label 2 ties with two earlier entries
  CHECK(nn::count_topk_correct(logits, labels, 3) == 2);
  // A diverged network: NaN compares false everywhere, so a rank count alone would put the
  // label on top; an infinite logit would win with any label.
  const float nan = std::nanf(""), inf = INFINITY;
  const Tensor diverged = Tensor::from_vector({nan, nan, nan, 0.1f, inf, 0.2f, 0.1f, 0.9f, 0.5f}, {3, 3});
  const Tensor targets = Tensor::from_int64({0, 1, 1}, {3});
  CHECK(nn::count_topk_correct(diverged, targets, 1) == 1);  // only the finite row 2
  CHECK(nn::count_topk_correct(diverged, targets, 3) == 1);
  nn::ClassificationTotals totals(Device::cpu());
  totals.add(diverged, targets);
  totals.add(logits, labels);
  CHECK(totals.sums().nonfinite == 2);
  CHECK(totals.sums().top1 == 1);
  CHECK(totals.sums().topk == 3);  // k = 5, capped at 3 classes: every finite row
}

TEST_CASE("a training tally sums the applied steps in step order, whatever the reads between them", "[nn]") {
  // Random batches, every third step skipped by its gate; the tally read only at the end
  // must equal the applied steps' figures added step by step on the host (the same
  // double sums), and one read, reset and continued halfway must end the same, bit for bit.
  std::vector<Tensor> logits, labels, losses;
  for (int step = 0; step < 12; ++step) {
    const std::int64_t rows = 3 + step % 4, classes = 5;
    logits.push_back(random_normal({rows, classes}, {3, RngPurpose::test, 1, static_cast<std::uint32_t>(step)}));
    labels.push_back(test::random_labels(rows, classes, 40 + step));
    losses.push_back(Tensor::from_vector({0.5f + 0.37f * static_cast<float>(step)}, {1}));
  }
  const auto gate_of = [](int step) { return Tensor::from_vector({step % 3 == 2 ? 0.f : 1.f}, {1}); };
  nn::ClassificationMeter expected;
  for (int step = 0; step < 12; ++step) {
    if (step % 3 == 2) continue;
    const float loss_times_rows = losses[step].item() * static_cast<float>(logits[step].dim(0));
    expected.loss_sum += static_cast<double>(loss_times_rows);
    expected.correct += nn::count_topk_correct(logits[step], labels[step], 1);
    expected.images += logits[step].dim(0);
    ++expected.steps;
  }
  nn::TrainingTally straight(Device::cpu()), resumed(Device::cpu());
  for (int step = 0; step < 12; ++step) {
    const Tensor figures = ops::step_figures(logits[step], labels[step], losses[step], step);
    straight.add(figures, gate_of(step));
    resumed.add(figures, gate_of(step));
    if (step == 6) {  // a checkpoint's read and a resume's reset
      const nn::TrainingTally::Figures halfway = resumed.read();
      resumed = nn::TrainingTally(Device::cpu());
      resumed.reset(halfway.epoch, halfway.unreadable);
    }
  }
  const nn::TrainingTally::Figures a = straight.read(), b = resumed.read();
  CHECK(a.epoch.loss_sum == expected.loss_sum);
  CHECK(a.epoch.correct == expected.correct);
  CHECK(a.epoch.images == expected.images);
  CHECK(a.epoch.steps == expected.steps);
  CHECK(a.unreadable == 66);  // every step's, applied or not
  CHECK(a.interval.steps == expected.steps);
  CHECK(b.epoch.loss_sum == a.epoch.loss_sum);
  CHECK(b.epoch.correct == a.epoch.correct);
  CHECK(b.unreadable == a.unreadable);
  CHECK(b.interval.steps == 3);  // steps 7-11 but 8 and 11, skipped
}

TEST_CASE("a classification meter's progress text says when nothing was read yet", "[nn]") {
  nn::ClassificationMeter m;
  CHECK(m.line() == "loss -  acc -");  // not "loss 0.000", a figure nobody measured
  m.loss_sum = 4.5;
  m.correct = 3;
  m.images = 4;
  m.steps = 1;
  CHECK(m.line() == "loss 1.125  acc 75.0%");
}

TEST_CASE("a buffer snapshot puts the BN running statistics back", "[nn]") {
  nn::BatchNorm2d bn(3);
  bn.train();
  bn.forward(random_normal({2, 4, 4, 3}, {1, RngPurpose::test, 0, 1}));
  const std::vector<float> mean = bn.running_mean().to_vector();
  const nn::BufferSnapshot snapshot(bn);
  Tensor poisoned = random_normal({2, 4, 4, 3}, {1, RngPurpose::test, 0, 2});
  poisoned.data<float>()[0] = std::nanf("");
  bn.forward(poisoned);
  CHECK(std::isnan(bn.running_mean().to_vector()[0]));
  snapshot.restore();
  CHECK(bn.running_mean().to_vector() == mean);
}
