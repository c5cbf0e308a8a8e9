#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <random>
#include <set>

#include "engine/autograd/node.h"
#include "nas/search/arch_evolution.h"
#include "nas/search/choice_sampling.h"
#include "nas/search/gated_search.h"
#include "nas/search/single_path.h"
#include "tests/nas/tiny_dea.h"
#include "tests/support/test_support.h"

using namespace autospace;
using namespace autospace::nas;

namespace {

// The tiny backbone's three searchable layers; the first may be skipped.
IrbSpace tiny_irb() { return IrbSpace(test::tiny_dea_backbone(), IrbChoices{}, true); }

Tensor images(std::uint32_t k, std::uint32_t stream) { return random_normal({6, 8, 8, 3}, {stream, RngPurpose::test, 0, k}); }
Tensor labels(std::uint32_t k) {
  return Tensor::from_int64({k % 3, (k + 1) % 3, (k + 2) % 3, k % 3, (k + 1) % 3, (k + 2) % 3}, {6});
}

bool same_tensors(const std::vector<NamedTensor>& a, const std::vector<NamedTensor>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].first != b[i].first || a[i].second.shape() != b[i].second.shape()) return false;
    const auto va = a[i].second.to_vector(), vb = b[i].second.to_vector();
    if (std::memcmp(va.data(), vb.data(), va.size() * sizeof(float)) != 0) return false;
  }
  return true;
}

// A MAdds cap (a band from 0) halfway between the cheapest and the costliest network.
Budget middle_cap(const SpaceTable& t) {
  const auto middle = static_cast<double>(t.min_cost(CostKind::madds) + t.max_cost(CostKind::madds)) / 2;
  return {CostKind::madds, std::floor(middle), 0.0, 1.0};
}

}  // namespace

TEST_CASE("space table: candidates, costs and architectures agree with the cost model", "[search]") {
  const IrbSpace space = tiny_irb();
  const SpaceTable t(space);
  REQUIRE(t.layers() == 3);
  CHECK(t.size(0) == 7);  // 3 kernels x 2 expansions + zero (stride 1, 8 -> 8)
  CHECK(t.size(2) == 6);  // stride 2: no zero
  CHECK(t.max_expansion() == 6);
  const ArchChoice choice = {6, 3, 5};
  const Arch arch = t.arch(choice, "x");
  CHECK(arch_cost(arch).total == t.cost(choice));
  CHECK(std::holds_alternative<ZeroBlock>(arch.layers[0].block));
  CHECK(parse_choice_key(choice_key(choice), "test") == choice);
  CHECK_THROWS_WITH(parse_choice_key("1.x.2", "state.json"), Catch::Contains("state.json") && Catch::Contains("1.x.2"));
  CHECK_THROWS_WITH(t.cost({0, 9, 0}), Catch::Contains("layer 1 picks candidate 9 of 7"));

  const OpenSpace open(test::tiny_dea_backbone(), CellChoices{}, true);
  const SpaceTable ot(open);
  CHECK(&ot.blocks(1) == &ot.blocks(0));  // equal lists are shared, not copied
  CHECK(&ot.blocks(2) != &ot.blocks(1));  // layer 2 has no zero block
  CHECK(ot.size(0) == ot.size(2) + 1);
}

TEST_CASE("constrained sampling: inside the band, uniform when it can be, never stuck", "[search]") {
  const IrbSpace space = tiny_irb();
  const SpaceTable t(space);
  const Budget budget = middle_cap(t);
  const auto fits = [&](const Budget& b, const ArchChoice& c) { return b.contains(t.cost(c)); };
  Rng rng({3, RngPurpose::test, 0, 0});
  std::set<int> seen_first;
  for (int i = 0; i < 300; ++i) {
    const ArchChoice c = sample_choice(t, rng, budget);
    REQUIRE(fits(budget, c));
    seen_first.insert(c[0]);
  }
  CHECK(seen_first.size() == 7);
  // Bands only a few networks meet, at either end: rejection gives up, the constructive
  // draw keeps both edges reachable.
  const auto least = static_cast<double>(t.min_cost(CostKind::madds)), most = static_cast<double>(t.max_cost(CostKind::madds));
  const Budget cheap{CostKind::madds, least + 1, 0.0, 1.0}, dear{CostKind::madds, most, 0.97, 1.0};
  for (const Budget& b : {cheap, dear})
    for (int i = 0; i < 50; ++i) REQUIRE(fits(b, sample_choice(t, rng, b, 1)));
  CHECK_THROWS_WITH(sample_choice(t, rng, Budget{CostKind::madds, least - 1, 0.0, 1.0}),
                    Catch::Contains("lies outside the space's networks"));
  CHECK_THROWS_WITH(sample_choice(t, rng, Budget{CostKind::madds, most, 1.01, 1.5}),
                    Catch::Contains("lies outside the space's networks"));
  // The params budget counts params.
  const Budget params{CostKind::params, static_cast<double>(t.max_cost(CostKind::params)), 0.95, 1.0};
  for (int i = 0; i < 20; ++i) REQUIRE(params.contains(static_cast<double>(t.cost(sample_choice(t, rng, params, 1)).params)));

  const ArchChoice parent = sample_choice(t, rng, budget);
  for (int i = 0; i < 50; ++i) {
    const auto m = mutate_choice(t, parent, 0.5, budget, rng);
    REQUIRE(m);
    CHECK(*m != parent);
    CHECK(fits(budget, *m));
    const ArchChoice other = sample_choice(t, rng, budget);
    if (other == parent) continue;
    const auto x = crossover_choice(t, parent, other, budget, rng);
    if (!x) continue;  // parents differing in one layer have no third child
    CHECK(*x != parent);
    CHECK(*x != other);
    CHECK(fits(budget, *x));
    for (std::size_t l = 0; l < x->size(); ++l) CHECK(((*x)[l] == parent[l] || (*x)[l] == other[l]));
  }
}

TEST_CASE("proxyless-g regularisers: values and derivatives match finite differences", "[search]") {
  for (MaddsLoss kind : {MaddsLoss::mul_log, MaddsLoss::add_linear}) {
    GatedSearchSettings s;
    s.madds_loss = kind;
    s.budget.target = 3e8;
    s.beta = 0.6;
    s.lambda = 0.3;
    const double ce = 1.7, e = 4.1e8, multiplier = 0.2;  // the budget controller's penalty on top
    const RegularizedLoss r = cost_regularized_loss(ce, e, s, multiplier);
    const double penalty = multiplier * (e - 0.95 * 3e8) / 3e8;
    if (kind == MaddsLoss::mul_log) CHECK(r.value == Approx(ce * std::pow(std::log(e) / std::log(3e8), 0.6) + penalty));
    else CHECK(r.value == Approx(ce + 0.3 * (e - 3e8) / 3e8 + penalty));
    const double h_ce = 1e-6, h_e = 1e2;
    const auto at = [&](double c, double x) { return cost_regularized_loss(c, x, s, multiplier).value; };
    const double fd_ce = (at(ce + h_ce, e) - at(ce - h_ce, e)) / (2 * h_ce);
    const double fd_e = (at(ce, e + h_e) - at(ce, e - h_e)) / (2 * h_e);
    CHECK(r.d_ce == Approx(fd_ce).epsilon(1e-6));
    CHECK(r.d_expected_cost == Approx(fd_e).epsilon(1e-5));
  }
}

TEST_CASE("proxyless-g: a target below E[MAdds] drives the expected MAdds down", "[search]") {
  const IrbSpace space = tiny_irb();
  const SpaceTable t(space);
  for (MaddsLoss kind : {MaddsLoss::mul_log, MaddsLoss::add_linear}) {
    GatedSearchSettings s;
    s.madds_loss = kind;
    s.budget.target = static_cast<double>(t.min_cost(CostKind::madds));
    s.adaptive_budget = false;  // the regulariser alone
    s.lambda = 5;
    s.beta = 3;
    s.arch_lr = 0.05f;
    GatedSearch search(t, s, 7);
    const double before = search.expected_cost();
    for (std::uint32_t k = 0; k < 20; ++k) {
      search.weight_step(images(k, 1), labels(k), 0.05f);
      const ArchStepResult r = search.arch_step(images(k, 2), labels(k + 1));
      REQUIRE(r.applied);
    }
    CHECK(search.expected_cost() < 0.9 * before);
    for (const auto& p : search.probabilities()) {
      double sum = 0;
      for (double v : p) sum += v;
      CHECK(sum == Approx(1.0));
    }
    CHECK(search.mean_entropy() < std::log(7.0));
  }
}

TEST_CASE("proxyless-rl: a reward favouring cheap paths moves p towards them", "[search]") {
  const IrbSpace space = tiny_irb();
  const SpaceTable t(space);
  GatedSearchSettings s;
  s.method = GatedMethod::reinforce;
  s.budget.target = static_cast<double>(t.min_cost(CostKind::madds));
  s.adaptive_budget = false;
  s.reward_exponent = 3;  // reward = acc * (target / MAdds)^3
  s.arch_lr = 0.05f;
  s.baseline_decay = 0.9;
  GatedSearch search(t, s, 3);
  // One class only: the network learns to predict it, so accuracy is 1 and the reward
  // ranks paths by MAdds alone.
  const Tensor zeros = Tensor::from_int64(std::vector<std::int64_t>(6, 0), {6});
  for (std::uint32_t k = 0; k < 30; ++k) search.weight_step(images(k, 1), zeros, 0.1f);
  const double before = search.expected_cost();
  for (std::uint32_t k = 0; k < 60; ++k) {
    const ArchStepResult r = search.arch_step(images(k, 2), zeros);
    REQUIRE(r.reward >= 0);
    REQUIRE(r.reward <= 1);
  }
  CHECK(search.baseline().has_value());
  CHECK(search.expected_cost() < before);
}

TEST_CASE("gated search: restored from its state it continues bit-identically", "[search]") {
  const IrbSpace space = tiny_irb();
  const SpaceTable t(space);
  for (GatedMethod method : {GatedMethod::gradient, GatedMethod::reinforce}) {
    GatedSearchSettings s;
    s.method = method;
    s.budget = middle_cap(t);
    const auto run = [&](GatedSearch& g, std::uint32_t from, std::uint32_t to) {
      for (std::uint32_t k = from; k < to; ++k) {
        g.weight_step(images(k, 1), labels(k), 0.05f);
        if (k % 2) g.arch_step(images(k, 2), labels(k + 1));
      }
    };
    GatedSearch whole(t, s, 9), first(t, s, 9);
    run(whole, 0, 8);
    run(first, 0, 4);
    GatedSearch resumed(t, s, 9);
    resumed.restore(first.state(), first.tensors(), first.optimizer_tensors(), "test");
    run(resumed, 4, 8);
    CHECK(resumed.state() == whole.state());
    CHECK(same_tensors(resumed.tensors(), whole.tensors()));
    CHECK(same_tensors(resumed.optimizer_tensors(), whole.optimizer_tensors()));
    CHECK(resumed.argmax() == whole.argmax());
    // A corrupted state is refused by name, not converted: get<int64_t>() of 1e49 is
    // undefined behaviour (found by fuzz_checkpoint_state), and so is 1e300 as a float.
    nas::Json bad = first.state();
    bad["weight_steps"] = 1e49;
    GatedSearch refused(t, s, 9);
    CHECK_THROWS_WITH(refused.restore(bad, first.tensors(), first.optimizer_tensors(), "ck.safetensors"),
                      "ck.safetensors: checkpoint state: weight_steps: expected an integer, got 1e+49");
    bad = first.state();
    bad["logits"][1][0] = 1e300;
    CHECK_THROWS_WITH(refused.restore(bad, first.tensors(), first.optimizer_tensors(), "ck.safetensors"),
                      Catch::StartsWith("ck.safetensors: checkpoint state: logits[1][0]: expected a float"));
  }
}

TEST_CASE("single-path supernet: paths within budget, resumable bit-identically", "[search]") {
  const OpenSpace space(test::tiny_dea_backbone(), CellChoices{}, true);
  const SpaceTable t(space);
  SinglePathSettings s;
  s.budget = middle_cap(t);
  s.budget.low = 0.9;
  const auto run = [&](SinglePathSupernet& n, std::uint32_t from, std::uint32_t to) {
    for (std::uint32_t k = from; k < to; ++k) {
      const StepResult r = n.weight_step(images(k, 1), labels(k), 0.05f);
      REQUIRE(std::isfinite(r.loss()));
      REQUIRE(s.budget.contains(t.cost(n.active())));
    }
  };
  SinglePathSupernet whole(t, s, 4), first(t, s, 4);
  run(whole, 0, 6);
  run(first, 0, 3);
  SinglePathSupernet resumed(t, s, 4);
  resumed.restore(first.state(), first.tensors(), first.optimizer_tensors(), "test");
  run(resumed, 3, 6);
  CHECK(resumed.weight_steps() == 6);
  // Tensor order follows slot growth, which differs after a restore: compare by name.
  auto sorted = [](std::vector<NamedTensor> v) {
    std::sort(v.begin(), v.end(), [](const NamedTensor& a, const NamedTensor& b) { return a.first < b.first; });
    return v;
  };
  CHECK(same_tensors(sorted(resumed.tensors()), sorted(whole.tensors())));
  CHECK(same_tensors(sorted(resumed.optimizer_tensors()), sorted(whole.optimizer_tensors())));

  // Evaluating one architecture runs exactly its path.
  const ArchChoice c = {0, 1, 2};
  resumed.activate(c);
  CHECK(resumed.active() == c);
  resumed.supernet().eval();
  NoGradGuard no_grad;
  CHECK(resumed.supernet().forward(images(0, 3)).shape() == Shape{6, 3});
}

// The parity case of spos: the same seeds draw the same paths on either device, and the
// weights after a few steps agree within the float reordering of the GPU kernels. A
// checkpoint written on the GPU resumes on the CPU and continues on the same paths.
TEST_CASE("single-path supernet on the GPU: the CPU's paths and weights, resumable on the CPU", "[search][cuda]") {
  if (cuda_device_count() == 0) AUTOSPACE_SKIP_TEST("no GPU");
  const OpenSpace space(test::tiny_dea_backbone(), CellChoices{}, true);
  const SpaceTable t(space);
  SinglePathSettings s;
  s.budget = middle_cap(t);
  s.budget.low = 0.5;
  const std::uint64_t seed = std::random_device{}();
  INFO("seed " << seed);
  const Device gpu = Device::cuda(0);
  SinglePathSupernet on_cpu(t, s, seed), on_gpu(t, s, seed, gpu);
  for (std::uint32_t k = 0; k < 20; ++k) {  // the 20-step search
    const auto stream = static_cast<std::uint32_t>(seed);
    const StepResult c = on_cpu.weight_step(images(k, stream), labels(k), 0.05f);
    const StepResult g = on_gpu.weight_step(images(k, stream).to(gpu), labels(k).to(gpu), 0.05f);
    REQUIRE(on_gpu.active() == on_cpu.active());
    CHECK(g.loss() == Approx(c.loss()).epsilon(1e-3));
  }
  const auto cpu_tensors = on_cpu.tensors(), gpu_tensors = on_gpu.tensors();
  REQUIRE(gpu_tensors.size() == cpu_tensors.size());
  for (std::size_t i = 0; i < gpu_tensors.size(); ++i) {
    INFO(gpu_tensors[i].first);
    REQUIRE(gpu_tensors[i].second.device() == gpu);  // slots grown by later paths too
    const auto a = cpu_tensors[i].second.to_vector(), b = gpu_tensors[i].second.to_vector();
    for (std::size_t j = 0; j < a.size(); ++j) REQUIRE(b[j] == Approx(a[j]).margin(1e-4).epsilon(1e-3));
  }
  SinglePathSupernet resumed(t, s, seed);
  resumed.restore(on_gpu.state(), on_gpu.tensors(), on_gpu.optimizer_tensors(), "gpu checkpoint");
  const StepResult next = resumed.weight_step(images(20, 1), labels(20), 0.05f);
  on_cpu.weight_step(images(20, 1), labels(20), 0.05f);
  CHECK(resumed.active() == on_cpu.active());
  CHECK(std::isfinite(next.loss()));
}

// The gated searchers' parity case: weight and architecture steps on either device draw
// the same paths, and the gate logits, the weights and both optimisers' state agree within
// the GPU kernels' float reordering.
TEST_CASE("gated search on the GPU: the CPU's paths, logits and weights", "[search][cuda]") {
  if (cuda_device_count() == 0) AUTOSPACE_SKIP_TEST("no GPU");
  const IrbSpace space = tiny_irb();
  const SpaceTable t(space);
  const Device gpu = Device::cuda(0);
  for (GatedMethod method : {GatedMethod::gradient, GatedMethod::reinforce}) {
    INFO((method == GatedMethod::gradient ? "proxyless-g" : "proxyless-rl"));
    GatedSearchSettings s;
    s.method = method;
    s.budget = middle_cap(t);
    GatedSearch on_cpu(t, s, 9), on_gpu(t, s, 9, gpu);
    for (std::uint32_t k = 0; k < 20; ++k) {  // 20 weight steps, 10 architecture steps
      const StepResult c = on_cpu.weight_step(images(k, 1), labels(k), 0.05f);
      const StepResult g = on_gpu.weight_step(images(k, 1).to(gpu), labels(k).to(gpu), 0.05f);
      CHECK(g.loss() == Approx(c.loss()).epsilon(1e-3));
      if (k % 2 == 0) continue;
      const ArchStepResult ca = on_cpu.arch_step(images(k, 2), labels(k + 1));
      const ArchStepResult ga = on_gpu.arch_step(images(k, 2).to(gpu), labels(k + 1).to(gpu));
      CHECK(ga.loss == Approx(ca.loss).epsilon(1e-3));
      CHECK(ga.accuracy == ca.accuracy);
    }
    CHECK(on_gpu.argmax() == on_cpu.argmax());
    const auto pc = on_cpu.probabilities(), pg = on_gpu.probabilities();
    for (std::size_t l = 0; l < pc.size(); ++l)
      for (std::size_t k = 0; k < pc[l].size(); ++k) CHECK(pg[l][k] == Approx(pc[l][k]).margin(1e-4));
    for (const auto& list : {on_gpu.tensors(), on_gpu.optimizer_tensors()})
      for (const auto& [name, tensor] : list) {
        INFO(name);
        CHECK(tensor.device() == gpu);
      }
    const auto a = on_cpu.tensors(), b = on_gpu.tensors();
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      INFO(a[i].first);
      const auto va = a[i].second.to_vector(), vb = b[i].second.to_vector();
      for (std::size_t j = 0; j < va.size(); ++j) REQUIRE(vb[j] == Approx(va[j]).margin(1e-4).epsilon(1e-3));
    }
  }
}

TEST_CASE("architecture evolution: improves on its first generation, no repeats, resumable mid-generation", "[search]") {
  const IrbSpace space = tiny_irb();
  const SpaceTable t(space);
  ArchEvolutionSettings s;
  s.population = 8;
  s.generations = 6;
  s.parents = 3;
  s.mutations = 4;
  s.crossovers = 4;
  s.mutation_probability = 0.3;
  s.budget = middle_cap(t);
  // A stand-in score with one best architecture: fewer differing layers is better.
  const ArchChoice goal = {1, 4, 2};
  const auto score = [&](const ArchChoice& c) {
    double d = 0;
    for (std::size_t l = 0; l < c.size(); ++l) d += c[l] != goal[l];
    return 1.0 - d / 3.0;
  };
  const auto run = [&](ArchEvolution& e, int stop_after_records) {
    int records = 0;
    while (!e.finished()) {
      for (const ArchChoice& c : e.proposals()) {
        if (e.evaluated(c)) continue;
        if (records++ == stop_after_records) return;
        e.record(c, score(c));
      }
      e.next_generation();
    }
  };
  ArchEvolution whole(t, s, 2);
  run(whole, -1);
  std::set<ArchChoice> distinct;
  double first_mean = 0;
  for (const EvaluatedArch& e : whole.history()) {
    CHECK(s.budget.contains(e.cost));
    distinct.insert(e.choice);
    if (e.generation == 0) first_mean += e.accuracy / 8;
  }
  CHECK(distinct.size() == whole.history().size());
  // Selection keeps the best: the final population scores better than the first draw.
  const auto population = whole.population();
  REQUIRE(population.size() == 8);
  double final_mean = 0;
  for (const EvaluatedArch& e : population) final_mean += e.accuracy / 8;
  CHECK(final_mean > first_mean);
  CHECK(whole.best().accuracy == population.front().accuracy);
  const auto front = whole.pareto_front();
  for (std::size_t i = 1; i < front.size(); ++i) {
    CHECK(front[i].cost.madds >= front[i - 1].cost.madds);
    CHECK(front[i].accuracy > front[i - 1].accuracy);
  }
  // Interrupted inside generation 2, restored, finished: the same search.
  ArchEvolution part(t, s, 2);
  run(part, 8 + 5);
  ArchEvolution resumed(t, s, 2);
  resumed.restore(part.state(), "test");
  run(resumed, -1);
  CHECK(resumed.state() == whole.state());

  s.random = true;
  ArchEvolution random(t, s, 2);
  run(random, -1);
  CHECK(random.history().size() > 8);
}
