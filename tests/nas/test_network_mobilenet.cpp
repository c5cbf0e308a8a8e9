// The builder's MobileNetV2 (configs/arch/mobilenet_v2.json) against the hand-written
// torchvision MobileNetV2 of bench/common: with the same weights they compute the same logits.
#include <catch2/catch.hpp>
#include <regex>

#include "bench/common/mobilenet_v2.h"
#include "nas/arch_json.h"
#include "nas/network/build_network.h"
#include "tests/nas/nas_test_helpers.h"
#include "tests/support/test_support.h"

using namespace autospace;

namespace {

// torchvision's name (features.<i>.<...>) -> ours (docs/formats.md, "Parameter names").
std::string our_name(const std::string& name, const nas::Arch& arch) {
  static const std::regex conv_bn(R"(features\.(\d+)\.(\d)\.(.+))");
  static const std::regex block(R"(features\.(\d+)\.conv\.(\d)\.(\d)\.(.+))");
  std::smatch m;
  auto tensor = [](const std::string& index, const std::string& rest) {
    return (index == "0" ? "conv." : "bn.") + rest;
  };
  if (std::regex_match(name, m, block)) {
    const int layer = std::stoi(m[1]) - 1;
    const bool expands = std::get<nas::MbConvBlock>(arch.layers.at(layer).block).expansion != 1;
    const char* slots_expanding[] = {"input", "edge01.dw3", "output"};
    const char* slots_plain[] = {"edge01.dw3", "output"};
    const int part = std::stoi(m[2]);
    return "layers." + std::to_string(layer) + ".bank." + (expands ? slots_expanding : slots_plain)[part] + "." +
           tensor(m[3], m[4]);
  }
  if (std::regex_match(name, m, conv_bn)) {
    const int index = std::stoi(m[1]);
    return (index == 0 ? "stem." : "head.") + tensor(m[2], m[3]);
  }
  return name;  // classifier.weight, classifier.bias
}

}  // namespace

TEST_CASE("network: MobileNetV2 from arch.json computes torchvision's MobileNetV2", "[network]") {
  const nas::Arch arch = nas::load_arch(test::arch_config("mobilenet_v2.json"));
  // Seed 0: the head dropout then draws the same masks as the bench network's.
  auto ours = nas::build_network(arch, 0);
  auto theirs = bench::make_mobilenet_v2({});
  theirs->initialize(5);
  std::vector<NamedTensor> mapped;
  for (const auto& [name, t] : nn::state_of(*theirs)) mapped.emplace_back(our_name(name, arch), t);
  nn::load_state(*ours, mapped, "bench MobileNetV2");

  const Tensor x = test::random_tensor({2, 64, 64, 3}, 8);
  CHECK((*ours)(x).to_vector() == (*theirs)(x).to_vector());  // training: batch statistics, dropout
  ours->eval();
  theirs->eval();
  CHECK((*ours)(x).to_vector() == (*theirs)(x).to_vector());  // running statistics updated alike
}
