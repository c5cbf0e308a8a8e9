#include <catch2/catch.hpp>
#include <map>

#include "engine/autograd/node.h"
#include "nas/arch_json.h"
#include "nas/network/build_network.h"
#include "nas/network/weight_bank.h"
#include "tests/support/test_support.h"

using namespace autospace;
using namespace autospace::nas;

namespace {

// Stem and head (nn::BatchNorm2d) around two banked layers: a concat cell (edge and mix
// BN slots) and an MBConv.
std::shared_ptr<nn::Sequential> tiny_network() {
  const Arch arch = arch_from_json(Json::parse(R"({
    "format": "autospace.arch/1", "resolution": 8, "classes": 3, "activation": "relu6",
    "stem": {"channels": 8, "kernel": 3, "stride": 1},
    "layers": [
      {"in": 8, "out": 8, "stride": 1, "block": {"type": "cell", "expansion": 3, "mix": "concat",
        "edges": {"0-1": "dw3", "0-2": "c1", "1-2": "id", "0-3": "zero", "1-3": "zero", "2-3": "id"}}},
      {"in": 8, "out": 16, "stride": 2, "block": {"type": "mbconv", "kernel": 3, "expansion": 3}}
    ],
    "head": {"channels": 32, "dropout": 0.0}})"));
  return build_network(arch, 5);
}

using Stats = std::map<std::string, std::vector<float>>;

Stats running_stats(const nn::Module& m) {
  Stats out;
  for (const auto& [name, t] : m.named_buffers()) out[name] = t.to_vector();
  return out;
}

// Running statistics after recalibrating over `batches` (training-mode forwards).
Stats recalibrated(nn::Module& net, const std::vector<Tensor>& batches) {
  NoGradGuard no_grad;
  net.train();
  begin_bn_recalibration(net);
  for (const Tensor& x : batches) net.forward(x);
  end_bn_recalibration(net);
  return running_stats(net);
}

}  // namespace

TEST_CASE("network: BN recalibration averages the batch statistics of plain and banked BN", "[network]") {
  auto net = tiny_network();
  const Tensor x1 = test::random_tensor({4, 8, 8, 3}, 1), x2 = test::random_tensor({4, 8, 8, 3}, 2, -2.f, 3.f);
  {
    // Statistics that recalibration must forget.
    NoGradGuard no_grad;
    for (int i = 0; i < 3; ++i) net->forward(test::random_tensor({4, 8, 8, 3}, 10 + i, 0.f, 5.f));
  }
  const Stats one = recalibrated(*net, {x1}), two = recalibrated(*net, {x2}), both = recalibrated(*net, {x1, x2});

  int banked = 0;
  for (const auto& [name, values] : both) {
    if (name.find(".bank.") != std::string::npos) ++banked;
    INFO(name);
    for (std::size_t c = 0; c < values.size(); ++c)
      REQUIRE(values[c] == Approx(0.5 * (one.at(name)[c] + two.at(name)[c])).epsilon(1e-5).margin(1e-6));
  }
  // stem, head and 2 x 2 buffers per banked BN: input, dw3, c1, mix2, output, expand, dw3, project.
  CHECK(banked == 2 * 8);

  // After end_bn_recalibration the configured momentum (0.1) applies again.
  {
    NoGradGuard no_grad;
    net->forward(x1);
  }
  const Stats after = running_stats(*net);
  for (const auto& [name, values] : after) {
    INFO(name);
    for (std::size_t c = 0; c < values.size(); ++c)
      REQUIRE(values[c] == Approx(0.9 * both.at(name)[c] + 0.1 * one.at(name)[c]).epsilon(1e-5).margin(1e-6));
  }
}
