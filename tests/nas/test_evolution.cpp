#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>

#include "nas/dea/evolution.h"
#include "tests/nas/tiny_dea.h"
#include "tests/support/test_support.h"

using namespace autospace;
using namespace autospace::nas;

namespace {

// Deterministic stand-ins for a loader: batch k of the training or held-out data.
Tensor batch_images(std::uint32_t k, bool holdout) {
  return random_normal({4, 8, 8, 3}, {holdout ? 2u : 1u, RngPurpose::test, 0, k});
}
Tensor batch_labels(std::uint32_t k) { return Tensor::from_int64({k % 3, (k + 1) % 3, (k + 2) % 3, k % 3}, {4}); }

void run_steps(Evolution& evo, std::int64_t until, Device device = Device::cpu()) {
  while (evo.step() < until) {
    if (evo.regeneration_due()) evo.regenerate();
    const auto k = static_cast<std::uint32_t>(evo.step());
    evo.weight_step(batch_images(k, false).to(device), batch_labels(k).to(device), 0.05f);
    if (evo.step() % 2 == 0) evo.score_step(batch_images(k, true).to(device), batch_labels(k + 1).to(device));
  }
}

// The cells of every population, in order: what the DEA decided.
std::vector<std::string> cells(const Evolution& evo) {
  std::vector<std::string> out;
  for (const auto& layer : evo.state().at("populations"))
    for (const auto& m : layer.at("members")) out.push_back(m.at("cell").get<std::string>());
  return out;
}

void check_close(const std::vector<NamedTensor>& expected, const std::vector<NamedTensor>& got, float tolerance) {
  std::map<std::string, Tensor> by_name(got.begin(), got.end());
  REQUIRE(expected.size() == got.size());
  for (const auto& [name, t] : expected) {
    INFO(name);
    REQUIRE(by_name.count(name));
    const auto a = t.to_vector(), b = by_name[name].to_vector();
    for (std::size_t i = 0; i < a.size(); ++i) REQUIRE(b[i] == Approx(a[i]).margin(tolerance).epsilon(tolerance));
  }
}

}  // namespace

TEST_CASE("DEA evolves populations and writes a learned space", "[dea][evolution]") {
  Evolution evo(test::tiny_dea_backbone(), test::tiny_dea_settings(), 5, 12);
  run_steps(evo, 12);
  evo.finish();
  CHECK(evo.round() == 3);  // regenerations at steps 3, 6, 9
  for (std::size_t l = 0; l < 3; ++l) {
    const Population& pop = evo.population(l);
    CHECK(pop.size() == 6);
    bool any_child = false;
    for (const auto& m : pop.members()) {
      CHECK(is_valid(m.cell));
      any_child |= m.born > 0;
      // Cells born in the first half (rounds 0 and 1: steps < 6) stay near the reference.
      if (m.born <= 1) CHECK(hamming_distance(m.cell, reference_genotype()) <= 2);
    }
    CHECK(any_child);
  }
  const LearnedSpace space = evo.learned_space();
  REQUIRE(space.layer_count() == 3);
  for (std::size_t l = 0; l < 3; ++l) {
    REQUIRE(space.cells(l).size() == 2);
    CHECK(*space.cells(l)[0].fitness >= *space.cells(l)[1].fitness);
  }
  const auto stats = evo.stats();
  CHECK(stats.entropy > 0);
  CHECK(stats.diversity > 0);
  CHECK(stats.best_fitness >= stats.mean_fitness);
}

TEST_CASE("DEA restored from its state continues bit-identically", "[dea][evolution]") {
  Evolution straight(test::tiny_dea_backbone(), test::tiny_dea_settings(), 9, 10);
  run_steps(straight, 10);

  Evolution first(test::tiny_dea_backbone(), test::tiny_dea_settings(), 9, 10);
  run_steps(first, 5);  // mid-period, after a regeneration
  const nas::Json state = first.state();
  const auto tensors = first.tensors();
  const auto optimizer = first.optimizer_tensors();
  std::vector<NamedTensor> saved, saved_opt;
  for (const auto& [n, t] : tensors) saved.emplace_back(n, t.clone());
  for (const auto& [n, t] : optimizer) saved_opt.emplace_back(n, t.clone());

  Evolution resumed(test::tiny_dea_backbone(), test::tiny_dea_settings(), 9, 10);
  resumed.restore(nas::Json::parse(state.dump()), saved, saved_opt, "test checkpoint");
  run_steps(resumed, 10);

  CHECK(resumed.state().dump() == straight.state().dump());
  const auto a = straight.tensors(), b = resumed.tensors();
  REQUIRE(a.size() == b.size());
  std::map<std::string, Tensor> by_name(b.begin(), b.end());
  for (const auto& [name, t] : a) {
    INFO(name);
    REQUIRE(by_name.count(name));
    CHECK(std::memcmp(t.raw_data(), by_name[name].raw_data(), t.nbytes()) == 0);
  }
}

// The DEA's parity case: 20 steps with their regenerations on either device take the same
// decisions (gate pairs, tournaments, children, members), and the scores and weights agree
// within the GPU kernels' float reordering; the GPU run's state resumes on the CPU.
TEST_CASE("DEA on the GPU: the CPU's decisions, scores and weights, and its checkpoint resumes on the CPU",
          "[dea][evolution][cuda]") {
  if (cuda_device_count() == 0) AUTOSPACE_SKIP_TEST("no GPU");
  const Device gpu = Device::cuda(0);
  Evolution on_cpu(test::tiny_dea_backbone(), test::tiny_dea_settings(), 5, 28);
  Evolution on_gpu(test::tiny_dea_backbone(), test::tiny_dea_settings(), 5, 28, gpu);
  run_steps(on_cpu, 20);  // the 20-step evolve
  run_steps(on_gpu, 20, gpu);
  CHECK(on_gpu.round() == on_cpu.round());
  CHECK(cells(on_gpu) == cells(on_cpu));
  for (const auto& [name, t] : on_gpu.tensors()) {
    INFO(name);
    CHECK(t.device() == gpu);  // slots grown by the regenerations too
  }
  for (const auto& [name, t] : on_gpu.optimizer_tensors()) {
    INFO(name);
    CHECK(t.device() == gpu);
  }
  check_close(on_cpu.tensors(), on_gpu.tensors(), 1e-3f);
  for (std::size_t l = 0; l < 3; ++l) {
    const auto a = on_cpu.population(l).members(), b = on_gpu.population(l).members();
    for (std::size_t i = 0; i < a.size(); ++i) CHECK(b[i].fitness == Approx(a[i].fitness).margin(1e-3));
  }

  Evolution resumed(test::tiny_dea_backbone(), test::tiny_dea_settings(), 5, 28);
  resumed.restore(on_gpu.state(), on_gpu.tensors(), on_gpu.optimizer_tensors(), "gpu checkpoint");
  run_steps(resumed, 28);
  run_steps(on_cpu, 28);
  CHECK(cells(resumed) == cells(on_cpu));
  check_close(on_cpu.tensors(), resumed.tensors(), 1e-3f);
}

TEST_CASE("DEA settings are checked", "[dea][evolution]") {
  DeaSettings s = test::tiny_dea_settings();
  s.supernet_cells = 7;
  CHECK_THROWS_WITH(Evolution(test::tiny_dea_backbone(), s, 1, 10), Catch::Contains("population (6) >= supernet_cells (7)"));
}

TEST_CASE("DEA: a skipped non-finite step changes no weight and no BN statistic", "[dea][evolution]") {
  Evolution evo(test::tiny_dea_backbone(), test::tiny_dea_settings(), 5, 12);
  run_steps(evo, 4);
  std::map<std::string, std::vector<float>> before;
  for (const auto& [name, t] : evo.tensors()) before[name] = t.to_vector();
  Tensor poisoned = batch_images(4, false);
  poisoned.data<float>()[0] = std::nanf("");
  CHECK_FALSE(evo.weight_step(poisoned, batch_labels(4), 0.05f).applied());
  CHECK_FALSE(evo.score_step(poisoned, batch_labels(5)).applied());
  std::size_t compared = 0;
  for (const auto& [name, t] : evo.tensors()) {
    const auto it = before.find(name);
    if (it == before.end()) continue;  // a bank slot the skipped step created (fresh values)
    INFO(name);
    const std::vector<float> now = t.to_vector();
    CHECK(std::equal(now.begin(), now.end(), it->second.begin(), it->second.end(),
                     [](float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }));
    ++compared;
  }
  CHECK(compared == before.size());
}
