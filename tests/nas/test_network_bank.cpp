#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <map>

#include "engine/nn/buffer_snapshot.h"
#include "engine/nn/sequential.h"
#include "engine/optim/optimizer.h"
#include "nas/network/cell.h"
#include "tests/support/test_support.h"

using namespace autospace;
using namespace autospace::nas;

namespace {

const LayerPosition kPosition{4, 4, 1, 5, 5};

std::shared_ptr<WeightBank> make_bank(const std::string& path = "layers.2.bank", std::uint64_t seed = 3) {
  return std::make_shared<WeightBank>(path, seed, kPosition.in_channels, kPosition.out_channels, 6);
}

std::shared_ptr<Cell> make_cell(const std::string& genotype, std::shared_ptr<WeightBank> bank) {
  return std::make_shared<Cell>(parse_genotype(genotype), kPosition, CellSettings{}, std::move(bank), BankUse::shared);
}

std::map<std::string, std::vector<float>> values(const nn::Module& m) {
  std::map<std::string, std::vector<float>> out;
  for (const auto& [name, t] : nn::state_of(m)) out[name] = t.to_vector();
  return out;
}

std::vector<std::string> names(const std::vector<NamedTensor>& named) {
  std::vector<std::string> out;
  for (const auto& [name, t] : named) out.push_back(name);
  return out;
}

}  // namespace

TEST_CASE("network: a narrower cell computes with the leading slice of the bank", "[network]") {
  auto wide_bank = make_bank();
  make_cell("e6:sum:c3|id,dw3|zero,c1,id", wide_bank);
  const auto wide_slots = names(wide_bank->take_new_parameters());
  auto narrow = make_cell("e3:sum:c3|id,dw3|zero,c1,id", wide_bank);
  CHECK(wide_bank->take_new_parameters().empty());  // same slots, nothing new
  CHECK(wide_bank->named_parameters().size() == wide_slots.size());

  // A bank sized to the narrow cell, loaded with the leading slices of the wide one.
  auto own = std::make_shared<WeightBank>("", 9, 4, 4, 3);
  auto alone = make_cell("e3:sum:c3|id,dw3|zero,c1,id", own);
  std::vector<NamedTensor> sliced;
  for (const auto& [name, t] : nn::state_of(*wide_bank)) {
    Tensor s = t;
    if (name.starts_with("output.conv"))
      s = leading(s, 3, 12);
    else if (!name.starts_with("output"))
      s = t.ndim() == 1 ? leading(t, 0, 12) : leading_weight(t, 12, t.dim(3) == 24 ? 12 : t.dim(3));
    sliced.emplace_back(name, s.clone());
  }
  nn::load_state(*own, sliced, "leading slices");
  const Tensor x = test::random_tensor({2, 5, 5, 4}, 1);
  CHECK((*narrow)(x).to_vector() == (*alone)(x).to_vector());
}

TEST_CASE("network: a bank tensor's gradient is zero outside the cell's slice", "[network]") {
  auto bank = make_bank();
  make_cell("e6:sum:c3|id,dw3|zero,c1,c3", bank);  // creates slots the next cell does not use
  auto cell = make_cell("e3:sum:c3|id,dw3|zero,c1,id", bank);
  const auto named = bank->named_parameters();
  const std::map<std::string, Tensor> params(named.begin(), named.end());
  (*cell)(test::random_tensor({2, 5, 5, 4}, 2)).backward(test::random_tensor({2, 5, 5, 4}, 3));

  CHECK_FALSE(params.at("edge23.c3.conv.weight").grad().defined());  // not on this cell's path
  auto check_slice = [&](const std::string& name, std::int64_t out, std::int64_t in) {
    INFO(name);
    const Tensor& t = params.at(name);
    REQUIRE(t.grad().defined());
    REQUIRE(t.grad().shape() == t.shape());
    const auto g = t.grad().to_vector();
    const std::int64_t rows = t.dim(0), inner = t.numel() / rows, width = t.ndim() == 4 ? t.dim(3) : 1;
    double inside = 0;
    for (std::int64_t i = 0; i < t.numel(); ++i) {
      const bool in_slice = i / inner < out && i % width < in;
      if (in_slice)
        inside += std::abs(g[i]);
      else
        CHECK(g[i] == 0.f);
    }
    CHECK(inside > 0);
  };
  check_slice("input.conv.weight", 12, 4);
  check_slice("input.bn.weight", 12, 1);
  check_slice("edge01.c3.conv.weight", 12, 12);
  check_slice("edge12.dw3.conv.weight", 12, 1);
  check_slice("edge13.c1.bn.bias", 12, 1);
  check_slice("output.conv.weight", 4, 12);
}

TEST_CASE("network: cells rebuilt on a bank inherit its weights and statistics", "[network]") {
  auto bank = make_bank();
  auto cell = make_cell("e3:concat:c3|id,dw3|zero,c1,id", bank);
  for (const auto& [name, t] : bank->named_parameters()) t.copy_from(test::random_tensor(t.shape(), name.size()));
  const Tensor x = test::random_tensor({2, 5, 5, 4}, 4);
  (*cell)(x);  // training: updates the sliced running statistics in the bank
  const auto mean = bank->named_buffers().front().second.to_vector();
  CHECK(std::any_of(mean.begin(), mean.end(), [](float v) { return v != 0.f; }));
  cell->eval();
  const auto before = (*cell)(x).to_vector();
  cell.reset();
  auto rebuilt = make_cell("e3:concat:c3|id,dw3|zero,c1,id", bank);
  rebuilt->eval();
  CHECK(bank->take_new_parameters().size() == names(bank->named_parameters()).size());  // only the first build's
  CHECK((*rebuilt)(x).to_vector() == before);
}

TEST_CASE("network: lazily created slots do not depend on creation order", "[network]") {
  const std::string a = "e6:sum:c3|id,dw3|zero,c1,id", b = "e3:concat:dw5|c3,id|c1,zero,dw3";
  auto first = make_bank();
  make_cell(a, first);
  make_cell(b, first);
  auto second = make_bank();
  make_cell(b, second);
  make_cell(a, second);
  const auto va = values(*first), vb = values(*second);
  CHECK(va == vb);
  // ... and they are what Module::initialize gives parameters of those full names.
  auto root = make_bank("", 3);
  make_cell(a, root);
  make_cell(b, root);
  const auto lazy = values(*root);
  root->initialize(3);
  CHECK(values(*root) == lazy);
  for (const auto& [name, v] : lazy)  // the conv weights are keyed by the bank's path
    if (name.find("bn.") == std::string::npos) CHECK(va.at(name) != v);
}

TEST_CASE("network: a buffer snapshot also undoes the statistics of slots created after it", "[network]") {
  const std::string a = "e3:concat:c3|id,dw3|zero,c1,id", b = "e6:sum:dw5|c3,id|c1,zero,dw3";
  auto bank = make_bank();
  auto first = make_cell(a, bank);
  (*first)(test::random_tensor({2, 5, 5, 4}, 4));  // training: moves the statistics of a's slots
  const auto before = values(*bank);
  const nn::BufferSnapshot snapshot(*bank);
  // A step that builds a cell with new slots and goes non-finite, as a skipped step can.
  auto second = make_cell(b, bank);
  Tensor poisoned = test::random_tensor({2, 5, 5, 4}, 5);
  poisoned.data<float>()[0] = std::nanf("");
  (*second)(poisoned);
  const auto poisoned_values = values(*bank);
  REQUIRE(poisoned_values.size() > before.size());
  CHECK(std::any_of(poisoned_values.begin(), poisoned_values.end(), [&](const auto& entry) {
    return !before.contains(entry.first) && std::any_of(entry.second.begin(), entry.second.end(),
                                                        [](float v) { return std::isnan(v); });
  }));
  snapshot.restore();
  // Old slots as they were, new ones as created: what a bank that never ran the step holds.
  auto untouched = make_bank();
  make_cell(a, untouched);
  make_cell(b, untouched);
  auto expected = values(*untouched);
  for (const auto& [name, v] : before) expected[name] = v;
  CHECK(values(*bank) == expected);
}

TEST_CASE("network: new bank slots are reported for the optimiser", "[network]") {
  auto bank = make_bank();
  auto cell = make_cell("e3:sum:dw3|zero,id|zero,zero,id", bank);
  optim::SGD sgd({{bank->take_new_parameters()}}, {});
  auto grown = make_cell("e3:sum:dw3|zero,id|c3,zero,id", bank);
  const auto fresh = bank->take_new_parameters();
  CHECK(names(fresh) == std::vector<std::string>{"layers.2.bank.edge03.c3.conv.weight",
                                                 "layers.2.bank.edge03.c3.bn.weight",
                                                 "layers.2.bank.edge03.c3.bn.bias"});
  sgd.add_parameters({fresh});
  CHECK(sgd.parameters().size() == bank->named_parameters().size());
  const auto w = fresh[0].second.to_vector();
  (*grown)(test::random_tensor({2, 5, 5, 4}, 5)).backward(test::random_tensor({2, 5, 5, 4}, 6));
  sgd.step(0.1f);
  CHECK(fresh[0].second.to_vector() != w);
}

// A bank grows slots after the network was moved, so the move must reach it wherever it
// sits in the tree. Nothing is allocated here: the bank holds no slot yet, so the move to
// a GPU index is bookkeeping alone and runs on any machine.
TEST_CASE("network: a move tells a nested bank where its later slots go", "[network]") {
  auto bank = make_bank();
  nn::Sequential root;
  auto middle = root.append("layers", std::make_shared<nn::Sequential>());
  middle->append("bank", bank);
  CHECK(bank->device() == Device::cpu());
  root.to(Device::cuda(1));
  CHECK(bank->device() == Device::cuda(1));
  root.to(Device::cpu());
  CHECK(bank->device() == Device::cpu());
}

TEST_CASE("network: a bank moved to the GPU grows its slots there", "[network][cuda]") {
  if (cuda_device_count() == 0) AUTOSPACE_SKIP_TEST("no GPU");
  auto on_cpu = make_bank(), on_gpu = make_bank();
  on_gpu->to(Device::cuda(0));
  auto cpu_cell = make_cell("e3:sum:dw3|zero,id|c3,zero,id", on_cpu);
  auto gpu_cell = make_cell("e3:sum:dw3|zero,id|c3,zero,id", on_gpu);
  const auto cpu_slots = nn::state_of(*on_cpu), gpu_slots = nn::state_of(*on_gpu);
  REQUIRE(gpu_slots.size() == cpu_slots.size());
  for (std::size_t i = 0; i < gpu_slots.size(); ++i) {
    INFO(gpu_slots[i].first);
    CHECK(gpu_slots[i].second.device() == Device::cuda(0));
    CHECK(gpu_slots[i].second.to_vector() == cpu_slots[i].second.to_vector());  // initialised on the host alike
  }
}
