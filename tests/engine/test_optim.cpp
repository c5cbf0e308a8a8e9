#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <limits>

#include "engine/nn/batch_norm.h"
#include "engine/nn/buffer_snapshot.h"
#include "engine/optim/grad_utils.h"
#include "engine/optim/optimizer.h"
#include "engine/optim/schedule.h"
#include "engine/optim/weight_ema.h"

using namespace autospace;
using namespace autospace::optim;

namespace {
Tensor param(std::vector<float> v) {
  return Tensor::from_vector(v, {static_cast<std::int64_t>(v.size())}).set_requires_grad(true);
}
void set_grad(const Tensor& p, std::vector<float> g) {
  p.set_grad(Tensor::from_vector(g, {static_cast<std::int64_t>(g.size())}));
}
}  // namespace

TEST_CASE("SGD with momentum, Nesterov and weight decay matches hand-computed values", "[optim]") {
  Tensor w = param({1.0f, -2.0f});
  SGD sgd({{{{"w", w}}, 0.1f, 1.f}}, {0.9f, false});
  set_grad(w, {0.5f, 0.25f});
  sgd.step(0.1f);
  // d = g + 0.1 w = {0.6, 0.05}; buf = d; w -= 0.1 * buf
  CHECK(w.to_vector()[0] == Approx(0.94f));
  CHECK(w.to_vector()[1] == Approx(-2.005f));
  set_grad(w, {0.5f, 0.25f});
  sgd.step(0.1f);
  // d = {0.5 + 0.094, 0.25 - 0.2005} = {0.594, 0.0495}; buf = 0.9 * {0.6, 0.05} + d = {1.134, 0.0945}
  CHECK(w.to_vector()[0] == Approx(0.94f - 0.1134f));
  CHECK(w.to_vector()[1] == Approx(-2.005f - 0.00945f));

  Tensor v = param({1.0f});
  SGD nesterov({{{{"v", v}}, 0.f, 1.f}}, {0.9f, true});
  set_grad(v, {1.0f});
  nesterov.step(0.5f);  // buf = 1; step = g + 0.9 buf = 1.9
  CHECK(v.item() == Approx(1.0f - 0.95f));
  set_grad(v, {1.0f});
  nesterov.step(0.5f);  // buf = 0.9 + 1 = 1.9; step = 1 + 0.9 * 1.9 = 2.71
  CHECK(v.item() == Approx(0.05f - 1.355f));
}

TEST_CASE("Adam (including beta1 = 0) matches hand-computed values", "[optim]") {
  Tensor w = param({1.0f});
  Adam adam({{{{"w", w}}, 0.f, 1.f}}, {0.9f, 0.999f, 1e-8f});
  set_grad(w, {2.0f});
  adam.step(0.01f);  // first step: mhat = g, vhat = g^2 -> w -= lr * sign(g)
  CHECK(w.item() == Approx(0.99f).epsilon(1e-6));
  set_grad(w, {-1.0f});
  adam.step(0.01f);
  const double m = 0.9 * 0.2 + 0.1 * -1.0, v = 0.999 * 0.004 + 0.001 * 1.0;
  const double mhat = m / (1 - 0.81), vhat = v / (1 - 0.999 * 0.999);
  CHECK(w.item() == Approx(0.99 - 0.01 * mhat / (std::sqrt(vhat) + 1e-8)).epsilon(1e-5));

  Tensor s = param({0.0f});
  Adam zero_beta({{{{"s", s}}, 0.f, 1.f}}, {0.f, 0.999f, 1e-8f});
  set_grad(s, {3.0f});
  zero_beta.step(0.1f);
  set_grad(s, {1.0f});
  zero_beta.step(0.1f);
  const double v2 = 0.999 * 0.009 + 0.001 * 1.0, v2hat = v2 / (1 - 0.999 * 0.999);
  CHECK(s.item() == Approx(-0.1 - 0.1 * 1.0 / std::sqrt(v2hat)).epsilon(1e-5));
  CHECK_THROWS_WITH(Adam({}, {1.f, 0.9f, 1e-8f}), Catch::Contains("betas must lie in [0, 1)"));
}

TEST_CASE("parameters without a gradient and their state stay bit-identical", "[optim]") {
  Tensor touched = param({1.f, 2.f});
  Tensor untouched = param({3.f, 4.f});
  SGD sgd({{{{"a", touched}, {"b", untouched}}, 0.5f, 1.f}}, {0.9f, true});
  set_grad(touched, {1.f, 1.f});
  set_grad(untouched, {1.f, 1.f});
  sgd.step(0.1f);
  const std::vector<float> before = untouched.to_vector();
  std::vector<NamedTensor> state_before;
  for (auto& [n, t] : sgd.state()) state_before.emplace_back(n, t.clone());
  sgd.zero_grad();
  set_grad(touched, {1.f, 1.f});
  sgd.step(0.1f);
  sgd.step(0.1f);
  CHECK(std::memcmp(before.data(), untouched.to_vector().data(), 8) == 0);
  for (auto& [n, t] : sgd.state()) {
    if (n.rfind("b.", 0) != 0) continue;
    for (auto& [n0, t0] : state_before)
      if (n0 == n) CHECK(std::memcmp(t0.raw_data(), t.raw_data(), t.nbytes()) == 0);
  }
}

TEST_CASE("optimiser state round trips through state()/load_state()", "[optim]") {
  Tensor w1 = param({1.f, 2.f}), w2 = param({1.f, 2.f});
  Adam a({{{{"w", w1}}, 0.01f, 1.f}}, {});
  Adam b({{{{"w", w2}}, 0.01f, 1.f}}, {});
  set_grad(w1, {0.3f, -0.2f});
  a.step(0.1f);
  b.load_state(a.state(), "test");
  w2.copy_from(w1);
  set_grad(w1, {0.1f, 0.1f});
  set_grad(w2, {0.1f, 0.1f});
  a.step(0.1f);
  b.step(0.1f);
  CHECK(w1.to_vector() == w2.to_vector());
}

TEST_CASE("schedules: cosine with warm-up and step decay", "[optim]") {
  CosineSchedule cos(1.0f, 110, 10);
  CHECK(cos.lr(0) == 0.f);
  CHECK(cos.lr(5) == Approx(0.5f));
  CHECK(cos.lr(10) == Approx(1.f));
  CHECK(cos.lr(60) == Approx(0.5f));
  CHECK(cos.lr(110) == 0.f);
  StepSchedule step(0.1f, 30, 0.1f);
  CHECK(step.lr(29) == Approx(0.1f));
  CHECK(step.lr(30) == Approx(0.01f));
  CHECK(step.lr(65) == Approx(0.001f));
}

TEST_CASE("gradient clipping and the non-finite guard", "[optim]") {
  Tensor a = param({0.f, 0.f});
  set_grad(a, {3.f, 4.f});
  CHECK(clip_grad_norm({a}, 1.0).item() == Approx(5.0));
  CHECK(grad_norm({a}).item() == Approx(1.0).epsilon(1e-5));
  CHECK(a.grad().to_vector()[0] == Approx(0.6f).epsilon(1e-5));
  CHECK(clip_grad_norm({a}, 2.0).item() == Approx(1.0).epsilon(1e-5));  // below the bound: unchanged
  CHECK(a.grad().to_vector()[0] == Approx(0.6f).epsilon(1e-5));
  const Tensor none = param({1.f});
  CHECK(grad_norm({none}).item() == 0.f);  // no gradient defined

  NonFiniteGuard guard(2);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const auto norm = [](double v) { return Tensor::from_vector({static_cast<float>(v)}, {1}); };
  CHECK(guard.accept(1.0, norm(1.0)));
  CHECK_FALSE(guard.accept(nan, norm(1.0)));
  CHECK_FALSE(guard.accept(1.0, norm(std::numeric_limits<double>::infinity())));
  CHECK(guard.accept(1.0, norm(1.0)));  // a finite step resets the run
  CHECK(guard.read().skipped == 2);
  CHECK(guard.read().skipped_loss == 1);
  CHECK(guard.read().judged == 4);
  CHECK_FALSE(guard.accept(nan, norm(1.0)));
  CHECK_FALSE(guard.accept(nan, norm(1.0)));
  CHECK_THROWS_WITH(guard.accept(nan, norm(1.0)), Catch::Contains("3 steps in a row had a non-finite loss or gradient"));
}

TEST_CASE("the guard's verdict gates the update, the weight EMA and the BN restore without a read", "[optim]") {
  // Two steps, one finite and one with a NaN gradient, judged into gates; nothing is read
  // until the end, and the skipped step leaves weights, momentum, shadow and buffers as
  // they were, bit for bit.
  nn::BatchNorm2d bn(3);
  bn.train();
  const Tensor x = Tensor::from_vector({1.f, 2.f, 3.f, 4.f, 5.f, 6.f, -1.f, 0.5f, 2.f, 7.f, 1.f, 0.f}, {4, 1, 1, 3});
  std::vector<Tensor> params = bn.parameters();
  SGD sgd({{bn.named_parameters(), 0.f, 1.f}}, {0.9f, true});
  auto shadow = std::make_shared<nn::BatchNorm2d>(3);
  WeightEma ema(shadow, bn, 0.5);
  NonFiniteGuard guard(5);

  const auto step = [&](float gradient) {
    const nn::BufferSnapshot buffers(bn);
    bn.forward(x);  // moves the running statistics
    for (const Tensor& p : params) p.set_grad(Tensor::full(p.shape(), gradient));
    const Tensor loss = Tensor::from_vector({0.5f}, {1});
    const Tensor gate = guard.judge(loss, grad_norm(params));
    sgd.step(0.1f, gate);
    ema.update(bn, gate);
    buffers.restore_unless_applied(gate);
    sgd.zero_grad();
  };
  step(1.f);
  const auto state_after_first = nn::state_of(bn), shadow_after_first = nn::state_of(*shadow);
  std::vector<std::vector<float>> before, shadow_before;
  for (const auto& [n, t] : state_after_first) before.push_back(t.to_vector());
  for (const auto& [n, t] : shadow_after_first) shadow_before.push_back(t.to_vector());
  std::vector<std::vector<float>> momentum_before;
  for (const auto& [n, t] : sgd.state())
    if (t.dtype() == DType::f32) momentum_before.push_back(t.to_vector());

  step(std::numeric_limits<float>::quiet_NaN());
  const NonFiniteGuard::Counts counts = guard.read();
  CHECK(counts.judged == 2);
  CHECK(counts.skipped == 1);
  CHECK(counts.skipped_loss == 0);
  CHECK_FALSE(counts.last_applied);
  const auto state = nn::state_of(bn), shadow_state = nn::state_of(*shadow);
  for (std::size_t i = 0; i < state.size(); ++i) {
    INFO(state[i].first);
    CHECK(state[i].second.to_vector() == before[i]);
    CHECK(shadow_state[i].second.to_vector() == shadow_before[i]);
  }
  std::size_t k = 0;
  for (const auto& [n, t] : sgd.state())
    if (t.dtype() == DType::f32) CHECK(t.to_vector() == momentum_before[k++]);

  // A finite step after it is applied again.
  step(1.f);
  CHECK(guard.read().last_applied);
  CHECK(nn::state_of(bn)[0].second.to_vector() != before[0]);
}

TEST_CASE("Adam refuses a gated step", "[optim]") {
  Tensor a = param({1.f});
  Adam adam({{{{"a", a}}, 0.f, 1.f}}, {});
  set_grad(a, {1.f});
  CHECK_THROWS_WITH(adam.step(0.1f, Tensor::from_vector({1.f}, {1})), Catch::Contains("gated step is not supported"));
}

TEST_CASE("parameters added later join the optimiser once", "[optim]") {
  Tensor a = param({1.f}), b = param({2.f});
  SGD sgd({{{{"a", a}}, 0.f, 1.f}}, {0.f, false});
  sgd.add_parameters({{{"b", b}, {"a", a}}, 0.f, 1.f});
  CHECK(sgd.parameters().size() == 2);
  set_grad(b, {1.f});
  sgd.step(0.5f);
  CHECK(b.item() == 1.5f);
  CHECK(a.item() == 1.f);
}
