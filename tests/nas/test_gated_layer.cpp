#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>

#include "engine/autograd/node.h"
#include "engine/nn/conv2d.h"
#include "engine/optim/optimizer.h"
#include "nas/supernet/gated_layer.h"
#include "tests/support/test_support.h"

using namespace autospace;

namespace {

std::shared_ptr<nas::GatedLayer> tiny_layer(bool with_zero, std::vector<float> logits) {
  std::vector<std::shared_ptr<nn::Module>> c;
  for (int k : {1, 3, 5}) c.push_back(std::make_shared<nn::Conv2d>(4, 4, k));
  if (with_zero) c.push_back(nullptr);
  auto layer = std::make_shared<nas::GatedLayer>(c, true, logits);
  layer->initialize(11);
  return layer;
}

double dot(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += static_cast<double>(a[i]) * b[i];
  return s;
}

}  // namespace

TEST_CASE("gated layer: output is the active candidate plus the residual", "[gated]") {
  auto layer = tiny_layer(false, {0.1f, 0.2f, 0.3f});
  Rng rng({1, RngPurpose::test, 0, 0});
  Tensor x = test::random_tensor({2, 5, 5, 4}, 1);
  for (int i = 0; i < 5; ++i) {
    layer->sample(rng);
    const Tensor y = layer->forward(x);
    Tensor want;
    {
      NoGradGuard g;
      want = layer->candidate(layer->active())->forward(x);
    }
    const auto yv = y.to_vector(), wv = want.to_vector(), xv = x.to_vector();
    for (std::size_t k = 0; k < yv.size(); ++k) REQUIRE(yv[k] == Approx(wv[k] + xv[k]));
  }
}

TEST_CASE("gated layer: active-only steps draw the same pairs, run one candidate, give the logits no gradient",
          "[gated]") {
  auto both = tiny_layer(true, {0.4f, -0.3f, 0.9f, 0.1f});
  auto one = tiny_layer(true, {0.4f, -0.3f, 0.9f, 0.1f});
  Rng rng_both({4, RngPurpose::test, 0, 0}), rng_one({4, RngPurpose::test, 0, 0});
  Tensor x = test::random_tensor({1, 4, 4, 4}, 5);
  Tensor r = test::random_tensor({1, 4, 4, 4}, 6);
  for (int trial = 0; trial < 12; ++trial) {
    both->sample(rng_both);
    one->sample(rng_one, nas::GatePaths::active_only);
    REQUIRE(one->pair().first == both->pair().first);
    REQUIRE(one->pair().second == both->pair().second);
    REQUIRE(one->active() == both->active());
    const Tensor y_both = both->forward(x), y_one = one->forward(x);
    REQUIRE(y_one.to_vector() == y_both.to_vector());
    if (y_one.requires_grad()) y_one.backward(r);  // not when the zero candidate passed x through
    CHECK_FALSE(one->logits().grad().defined());
    const int inactive = one->pair().first_active ? one->pair().second : one->pair().first;
    if (one->candidate(inactive))  // the inactive candidate was not run: it has no gradient
      for (const auto& [name, t] : one->candidate(inactive)->named_parameters()) CHECK_FALSE(t.grad().defined());
    for (const auto& [name, t] : one->named_parameters()) t.clear_grad();
  }
  for (int k = 0; k < 4; ++k) CHECK(one->sampled_count(k) == both->sampled_count(k));
}

TEST_CASE("gated layer: logit gradient equals the derivative of the pair's expected loss", "[gated]") {
  // For L = <R, y>, E[L | pair] = q_a L(o_a) + q_b L(o_b) with q = softmax over the pair.
  auto layer = tiny_layer(true, {0.4f, -0.3f, 0.9f, 0.1f});
  Rng rng({2, RngPurpose::test, 0, 0});
  Tensor x = test::random_tensor({1, 4, 4, 4}, 2);
  Tensor r = test::random_tensor({1, 4, 4, 4}, 3);
  for (int trial = 0; trial < 8; ++trial) {
    layer->sample(rng);
    layer->logits().clear_grad();
    layer->forward(x).backward(r);
    const auto p = layer->pair();
    auto branch_loss = [&](int k) {
      NoGradGuard g;
      if (!layer->candidate(k)) return 0.0;
      return dot(layer->candidate(k)->forward(x).to_vector(), r.to_vector());
    };
    const double la = branch_loss(p.first), lb = branch_loss(p.second);
    const auto a = layer->logits().to_vector();
    auto expected = [&](double a0, double a1) {
      const double q0 = 1 / (1 + std::exp(a1 - a0));
      return q0 * la + (1 - q0) * lb;
    };
    const double h = 1e-4;
    const double d0 = (expected(a[p.first] + h, a[p.second]) - expected(a[p.first] - h, a[p.second])) / (2 * h);
    const double d1 = (expected(a[p.first], a[p.second] + h) - expected(a[p.first], a[p.second] - h)) / (2 * h);
    const auto g = layer->logits().grad().to_vector();
    CHECK(g[p.first] == Approx(d0).epsilon(1e-3).margin(1e-5));
    CHECK(g[p.second] == Approx(d1).epsilon(1e-3).margin(1e-5));
    for (int k = 0; k < 4; ++k)
      if (k != p.first && k != p.second) CHECK(g[k] == 0.f);
  }
}

TEST_CASE("gated layer: only the active candidate gets weight gradients, the rest stay bit-identical", "[gated]") {
  auto layer = tiny_layer(false, {0.f, 0.f, 0.f});
  optim::SGD sgd({{layer->named_parameters(), 1e-3f, 1.f}}, {0.9f, true});
  Rng rng({3, RngPurpose::test, 0, 0});
  Tensor x = test::random_tensor({2, 4, 4, 4}, 4);
  layer->sample(rng);
  const int active = layer->active();
  std::vector<std::vector<float>> before;
  for (int k = 0; k < 3; ++k) before.push_back(layer->candidate(k)->named_parameters()[0].second.to_vector());
  layer->forward(x).backward(test::random_tensor({2, 4, 4, 4}, 5));
  for (int k = 0; k < 3; ++k) CHECK(layer->candidate(k)->named_parameters()[0].second.grad().defined() == (k == active));
  sgd.step(0.1f);
  for (int k = 0; k < 3; ++k) {
    const auto now = layer->candidate(k)->named_parameters()[0].second.to_vector();
    const bool same = std::memcmp(now.data(), before[k].data(), now.size() * 4) == 0;
    CHECK(same == (k != active));
  }
  for (const auto& [name, t] : sgd.state())
    CHECK(name.find("candidates." + std::to_string(active)) == 0);  // no state for the untouched ones
}

TEST_CASE("gated layer: re-centring keeps the other candidates' probabilities, compensation scales the step", "[gated]") {
  auto layer = tiny_layer(true, {0.5f, -0.2f, 0.3f, 0.0f});
  Rng rng({4, RngPurpose::test, 0, 0});
  layer->sample(rng);
  const auto p_before = layer->probabilities();
  const auto pair = layer->pair();
  const auto before = layer->pair_logits();
  float* a = layer->logits().data<float>();
  a[pair.first] += 0.7f;  // what an optimiser step might do
  a[pair.second] -= 0.2f;
  nas::logits_changed({layer.get()});
  layer->set_logits(layer->finished_logits(before, {2.f, 1.f}));
  const auto p_after = layer->probabilities();
  for (int k = 0; k < 4; ++k)
    if (k != pair.first && k != pair.second) CHECK(p_after[k] == Approx(p_before[k]).epsilon(1e-6));
  // The pair's log-odds moved by 2 * 0.7 + 0.2 (the first change scaled by 2).
  CHECK(std::log(p_after[pair.first] / p_after[pair.second]) - std::log(p_before[pair.first] / p_before[pair.second]) ==
        Approx(1.6).epsilon(1e-5));

  CHECK(layer->compensation(pair.first, 10.f) == 1.f);  // t = 1, t_c = 1
  for (int i = 0; i < 9; ++i) layer->sample(rng);
  const int never = [&] {
    for (int k = 0; k < 4; ++k)
      if (layer->sampled_count(k) == 0) return k;
    return -1;
  }();
  if (never >= 0) CHECK(layer->compensation(never, 10.f) == 10.f);
}

TEST_CASE("gated layer: pairs are drawn from softmax(a) without replacement", "[gated]") {
  auto layer = tiny_layer(false, {1.0f, 0.0f, -1.0f});
  Rng rng({5, RngPurpose::test, 0, 0});
  const auto p = layer->probabilities();
  const int n = 20000;
  std::vector<int> in_pair(3, 0), active(3, 0);
  for (int i = 0; i < n; ++i) {
    layer->sample(rng);
    REQUIRE(layer->pair().first != layer->pair().second);
    ++in_pair[layer->pair().first];
    ++in_pair[layer->pair().second];
    ++active[layer->active()];
  }
  // P(k in pair) = p_k + sum_{j != k} p_j p_k / (1 - p_j); P(k active) = sum_j P(pair {k, j}) q_k.
  for (int k = 0; k < 3; ++k) {
    double want_pair = p[k], want_active = 0;
    for (int j = 0; j < 3; ++j) {
      if (j == k) continue;
      want_pair += p[j] * p[k] / (1 - p[j]);
      const double pair_kj = p[k] * p[j] / (1 - p[k]) + p[j] * p[k] / (1 - p[j]);
      want_active += pair_kj * p[k] / (p[k] + p[j]);
    }
    CHECK(in_pair[k] / double(n) == Approx(want_pair).margin(0.015));
    CHECK(active[k] / double(n) == Approx(want_active).margin(0.015));
  }
}

TEST_CASE("gated layer: fixed evaluation and errors", "[gated]") {
  auto layer = tiny_layer(true, {0.f, 0.f, 0.f, 5.f});
  CHECK(layer->argmax() == 3);
  Tensor x = test::random_tensor({1, 3, 3, 4}, 6);
  layer->fix(3);  // the zero block: the layer is skipped
  CHECK(layer->forward(x).to_vector() == x.to_vector());
  CHECK_THROWS_WITH(layer->fix(4), Catch::Contains("fix(4) with 4 candidates"));
  std::vector<std::shared_ptr<nn::Module>> c{nullptr, std::make_shared<nn::Conv2d>(4, 4, 1)};
  CHECK_THROWS_WITH(nas::GatedLayer(c, false, {0.f, 0.f}), Catch::Contains("zero candidate needs a residual"));
  auto fresh = tiny_layer(false, {0.f, 0.f, 0.f});
  CHECK_THROWS_WITH(fresh->forward(x), Catch::Contains("call sample()"));
}

TEST_CASE("gated layers: several gates' logits read, written and given host gradients in one copy each", "[gated]") {
  auto a = tiny_layer(true, {0.5f, -0.2f, 0.3f, 0.0f}), b = tiny_layer(false, {1.f, 1.f, 1.f}),
       c = tiny_layer(false, {-1.f, 2.f, 0.25f});
  const std::vector<nas::GatedLayer*> gates{a.get(), b.get(), c.get()};
  CHECK(b->host_logits() == std::vector<float>{1.f, 1.f, 1.f});  // equal logits: filled, not copied
  CHECK(b->logits().to_vector() == b->host_logits());
  // -0 and +0 compare equal but are not the same logits: the mirror check is bitwise.
  const auto signed_zeros = tiny_layer(false, {0.f, -0.f, 0.f});
  CHECK(std::signbit(signed_zeros->host_logits()[1]));
  CHECK(std::signbit(signed_zeros->logits().to_vector()[1]));

  // Written in place (an optimiser step), then refreshed together: each mirror gets its own
  // gate's values, in order, and host_logits() (which compares the mirror with the tensor
  // on the CPU) accepts them.
  a->logits().data<float>()[2] = 7.f;
  c->logits().data<float>()[0] = -3.f;
  CHECK_THROWS_WITH(a->host_logits(), Catch::Contains("stale"));
  nas::logits_changed(gates);
  CHECK(a->host_logits() == std::vector<float>{0.5f, -0.2f, 7.f, 0.f});
  CHECK(b->host_logits() == std::vector<float>{1.f, 1.f, 1.f});
  CHECK(c->host_logits() == std::vector<float>{-3.f, 2.f, 0.25f});

  const std::vector<std::vector<float>> values{{1.f, 2.f, 3.f, 4.f}, {5.f, 6.f, 7.f}, {8.f, 9.f, 10.f}};
  nas::set_logits(gates, values);
  for (std::size_t l = 0; l < gates.size(); ++l) {
    CHECK(gates[l]->host_logits() == values[l]);
    CHECK(gates[l]->logits().to_vector() == values[l]);
  }
  const std::vector<Tensor> up = nas::upload_per_gate(gates, values);
  REQUIRE(up.size() == 3);
  for (std::size_t l = 0; l < gates.size(); ++l) {
    CHECK(up[l].shape() == gates[l]->logits().shape());
    CHECK(up[l].to_vector() == values[l]);
  }
  CHECK_THROWS_WITH(nas::set_logits(gates, {{1.f, 2.f, 3.f, 4.f}, {5.f, 6.f}, {8.f, 9.f, 10.f}}),
                    Catch::Contains("gate 1 has 3 logits, given 2 values"));
  CHECK_THROWS_WITH(nas::upload_per_gate(gates, {{1.f}}), Catch::Contains("1 value lists for 3 gates"));
}
