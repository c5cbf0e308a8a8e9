// Latency tables (nas/latency): the key rules, the strict reading of a table file, a
// space's parts, the SpaceTable's latency costs against the additive model, and the
// budget export with latency as the cost.
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <set>

#include "engine/autograd/node.h"
#include "engine/core/device.h"
#include "nas/latency/latency_key.h"
#include "nas/latency/latency_parts.h"
#include "nas/latency/latency_table.h"
#include "nas/network/build_network.h"
#include "nas/search/budget_export.h"
#include "nas/search/space_table.h"
#include "nas/space_json.h"
#include "tests/nas/nas_test_helpers.h"

using namespace autospace;
using namespace autospace::nas;

namespace {

// Three searchable layers (two of them at the same width, one strided) over a fixed
// layer, 16x16 inputs: the IRB space with skip.
std::unique_ptr<Space> small_space() {
  return space_from_json(Json::parse(R"({
    "format": "autospace.space/1", "kind": "irb", "skip": true,
    "backbone": {"resolution": 16, "classes": 3, "stem": {"channels": 8, "kernel": 3, "stride": 1},
                 "fixed": [{"in": 8, "out": 8, "stride": 1, "block": {"type": "mbconv", "kernel": 3, "expansion": 1}}],
                 "stages": [{"width": 8, "depth": 2, "stride": 1}, {"width": 12, "depth": 1, "stride": 2}],
                 "head": {"channels": 16, "dropout": 0.0}}})"));
}

// Every part of `space` with a made-up time (1 + its index / 100 ms): a table whose sums
// the tests can predict exactly.
LatencyTable made_up_table(const Space& space) {
  LatencyTable table(latency_device(Device::cpu(), 1), {});
  const std::vector<LatencyPart> parts = space_parts(space, 1000);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const double ms = 1 + static_cast<double>(i) / 100;
    table.add(parts[i].key, {ms, ms * 0.9, ms * 1.2});
  }
  return table;
}

void write_text(const std::filesystem::path& file, const std::string& text) { std::ofstream(file) << text; }

}  // namespace

TEST_CASE("latency keys: what they say and the rules a table's keys must follow", "[latency]") {
  NetworkSettings net;
  net.resolution = 32;
  net.input_channels = 3;
  net.classes = 10;
  net.stem = {16, 3, 1};
  net.head = {128, 0.0};
  CHECK(stem_latency_key(net) == "stem k3 s1 c16 act relu6 @ 32x32x3");
  const LayerPosition p{16, 24, 2, 32, 32};
  CHECK(layer_latency_key(MbConvBlock{5, 6, 0, {}}, p, net) ==
        "layer mbconv k5 e6 act relu6 out 24 stride 2 @ 32x32x16");
  // The block's own activation wins over the network's.
  CHECK(layer_latency_key(MbConvBlock{3, 3, 0, Activation::swish}, p, net).find("act swish out") != std::string::npos);
  CHECK(head_latency_key(net, {4, 4, 40}) == "head c128 classes 10 act relu6 @ 4x4x40");
  // The same block at another input size or stride is another entry.
  CHECK(layer_latency_key(MbConvBlock{}, p, net) != layer_latency_key(MbConvBlock{}, {16, 24, 2, 16, 16}, net));
  CHECK(layer_latency_key(MbConvBlock{}, p, net) != layer_latency_key(MbConvBlock{}, {16, 24, 1, 32, 32}, net));

  for (const std::string& key :
       network_latency_keys(make_arch(small_space()->backbone(), std::vector<Block>(3, MbConvBlock{}), "n")))
    CHECK(latency_key_problem(key).empty());
  CHECK(latency_key_problem("conv k3 @ 8x8x3").find("\"stem\", \"layer\" or \"head\"") != std::string::npos);
  CHECK(latency_key_problem("stem k3 s1 c16").find("@ HxWxC") != std::string::npos);
  CHECK(latency_key_problem("stem @ 8x8x3").find("@ HxWxC") != std::string::npos);  // no description
  CHECK(latency_key_problem("layer zero @ 0x8x3").find("positive sizes") != std::string::npos);
  CHECK(latency_key_problem("layer zero @ 8x8").find("positive sizes") != std::string::npos);
  CHECK(latency_key_problem("layer zero @ 8x8x3x1").find("positive sizes") != std::string::npos);
}

TEST_CASE("latency parts: a space's distinct parts and a network's own", "[latency]") {
  const auto space = small_space();
  const std::vector<LatencyPart> parts = space_parts(*space, 1000);
  std::set<std::string> keys;
  for (const LatencyPart& p : parts) keys.insert(p.key);
  CHECK(keys.size() == parts.size());
  // Stem, the fixed layer and the head, then the candidates: the two 8-wide layers sit at
  // the same position and share theirs; the strided layer has no skip candidate.
  const std::size_t per_layer = space->candidates(0).size();
  CHECK(space->candidates(1).size() == per_layer);
  CHECK(parts.size() == 3 + per_layer + space->candidates(2).size());
  CHECK(parts[0].key.rfind("stem ", 0) == 0);
  CHECK(parts[2].key.rfind("head ", 0) == 0);
  CHECK(test::error_of([&] { space_parts(*space, 5); }).find("more than 5 latency entries") != std::string::npos);

  // Each part's module maps its input to the next part's input shape.
  const Arch arch =
      make_arch(space->backbone(), std::vector<Block>{MbConvBlock{5, 3, 0, {}}, ZeroBlock{}, MbConvBlock{}}, "n");
  const auto model = build_network(arch, 1);
  const std::vector<LatencyPart> own = network_parts(arch, *model);
  REQUIRE(own.size() == arch.layers.size() + 2);
  CHECK(own[0].input == Shape{1, 16, 16, 3});
  CHECK(own.back().input == Shape{1, 8, 8, 12});
  NoGradGuard no_grad;
  model->eval();
  for (std::size_t i = 0; i + 1 < own.size(); ++i)
    CHECK(own[i].module()->forward(Tensor::zeros(own[i].input, DType::f32, Device::cpu())).shape() == own[i + 1].input);
  CHECK(own.back().module()->forward(Tensor::zeros(own.back().input, DType::f32, Device::cpu())).shape() ==
        Shape{1, 3});
  for (std::size_t i = 0; i < own.size(); ++i) CHECK(keys.count(own[i].key) == 1);
}

TEST_CASE("latency: measured parts are positive and ordered, and the model sums them", "[latency]") {
  const auto space = small_space();
  const std::vector<LatencyPart> parts = space_parts(*space, 1000);
  const LatencyProtocol quick{2, 1, 3};
  LatencyTable table(latency_device(Device::cpu(), num_threads()), quick);
  for (const LatencyPart& p : parts) table.add(p.key, measure_part(p, Device::cpu(), quick));
  for (const auto& [key, e] : table.entries()) {
    INFO(key);
    CHECK((e.min_ms > 0 && e.min_ms <= e.median_ms && e.median_ms <= e.max_ms));
  }
  const Arch arch = make_arch(space->backbone(), std::vector<Block>(3, MbConvBlock{}), "n");
  double sum = 0;
  for (const std::string& key : network_latency_keys(arch)) sum += table.at(key, "t").median_ms;
  CHECK(predicted_latency_ms(table, arch, "t") == Approx(sum));
  const auto model = build_network(arch, 0);
  CHECK(measure_network(*model, arch, Device::cpu(), quick).median_ms > 0);
}

TEST_CASE("latency: a SpaceTable's latency costs are the table's entries, summed as the additive model", "[latency]") {
  const auto space = small_space();
  const LatencyTable table = made_up_table(*space);
  const SpaceTable t(*space, &table, "made-up.json");
  CHECK(t.has_latency());
  for (const ArchChoice& c : {ArchChoice{0, 0, 0}, ArchChoice{3, 6, 1}, ArchChoice{6, 2, 5}}) {
    const Arch arch = t.arch(c, "n");
    CHECK(static_cast<double>(t.cost(c).latency_ns) == Approx(predicted_latency_ms(table, arch, "made-up.json") * 1e6));
    // MAdds and params stay the cost model's.
    CHECK(t.cost(c).madds == SpaceTable(*space).cost(c).madds);
  }
  CHECK(t.min_cost(CostKind::latency) < t.max_cost(CostKind::latency));

  // A calibrated table scales every prediction, and every candidate's cost with it.
  LatencyTable scaled = table;
  scaled.set_calibration({1.25, 5});
  const SpaceTable ts(*space, &scaled, "scaled.json");
  const Arch some = t.arch({3, 6, 1}, "n");
  CHECK(predicted_latency_ms(scaled, some, "s") == Approx(1.25 * sum_of_parts_ms(table, some, "t")));
  CHECK(static_cast<double>(ts.cost({3, 6, 1}).latency_ns) ==
        Approx(1.25 * static_cast<double>(t.cost({3, 6, 1}).latency_ns)).epsilon(1e-6));
  CHECK(test::error_of([&] { scaled.set_calibration({0, 5}); }).find("calibration scale") != std::string::npos);
  CHECK(test::error_of([&] { SpaceTable(*space).cost_values(CostKind::latency); }).find("without a latency table") !=
        std::string::npos);

  // A table lacking one part is refused naming the table and the part.
  LatencyTable partial(table.device(), table.protocol());
  for (const auto& [key, e] : table.entries())
    if (key.rfind("head ", 0) != 0) partial.add(key, e);
  const std::string missing = test::error_of([&] { SpaceTable(*space, &partial, "partial.json"); });
  CHECK(missing.find("partial.json: no latency entry for \"head c16") != std::string::npos);

  // The budget export lands inside a latency band.
  Budget b{CostKind::latency, 0.5 * static_cast<double>(t.min_cost(CostKind::latency) + t.max_cost(CostKind::latency)),
           0.97, 1.0};
  std::vector<std::vector<double>> uniform;
  for (std::size_t l = 0; l < t.layers(); ++l) uniform.emplace_back(t.size(l), 1.0 / t.size(l));
  const auto exported = most_probable_within(uniform, t, b);
  REQUIRE(exported);
  CHECK(b.contains(t.cost(exported->choice)));
  CHECK(b.describe(2.5e6) == "2.500 ms");
  CHECK(b.axis_label() == "latency (ms)");
}

TEST_CASE("latency table: written and read back, a bad file is refused naming it and the key", "[latency]") {
  test::TempDir tmp;
  const auto space = small_space();
  const LatencyTable table = made_up_table(*space);
  table.save(tmp / "table.json");
  const LatencyTable back = LatencyTable::load(tmp / "table.json");
  CHECK(back.device() == table.device());
  CHECK(back.protocol() == table.protocol());
  REQUIRE(back.size() == table.size());
  for (const auto& [key, e] : table.entries()) CHECK(back.at(key, "t").median_ms == e.median_ms);
  CHECK(back.calibration().networks == 0);  // none written: uncalibrated
  LatencyTable calibrated = table;
  calibrated.set_calibration({1.1, 8});
  calibrated.save(tmp / "calibrated.json");
  CHECK(LatencyTable::load(tmp / "calibrated.json").calibration().scale == 1.1);
  CHECK(LatencyTable::load(tmp / "calibrated.json").calibration().networks == 8);

  const auto refused = [&](const std::string& text) {
    write_text(tmp / "bad.json", text);
    return test::error_of([&] { LatencyTable::load(tmp / "bad.json"); });
  };
  const std::string head = R"({"format": "autospace.latency/1", "device": {"type": "cpu", "threads": 1, "name": "x"},
                               "batch": 1, "warmup": 5, "runs": 30, "entries": )";
  const std::string bad_file = (tmp / "bad.json").string();
  CHECK(refused(head + R"({"stem k3 s1 c8 act relu6 @ 16x16x3": {"median_ms": 0.1, "min_ms": 0.1, "max_ms": 0.2}}})")
            .empty());
  std::string e =
      refused(head + R"({"stem k3 s1 c8 act relu6 @ 16x16x3": {"median_ms": -1, "min_ms": 0.1, "max_ms": 0.2}}})");
  CHECK(e.find(bad_file) != std::string::npos);
  CHECK(e.find("stem k3 s1 c8 act relu6 @ 16x16x3") != std::string::npos);
  CHECK(e.find("median_ms") != std::string::npos);
  e = refused(head + R"({"stem k3 @ 16x16x3": {"median_ms": 0.3, "min_ms": 0.1, "max_ms": 0.2}}})");
  CHECK(e.find("min_ms <= median_ms <= max_ms") != std::string::npos);
  e = refused(head + R"({"conv k3 @ 16x16x3": {"median_ms": 0.1, "min_ms": 0.1, "max_ms": 0.2}}})");
  CHECK((e.find(bad_file) != std::string::npos && e.find("conv k3 @ 16x16x3") != std::string::npos &&
         e.find("\"stem\", \"layer\" or \"head\"") != std::string::npos));
  e = refused(head + R"({"stem k3 @ 16x16x3": {"median_ms": 0.1, "min_ms": 0.1, "max_ms": 0.2, "mean_ms": 1}}})");
  CHECK(e.find("mean_ms") != std::string::npos);
  e = refused(head + "[]}");
  CHECK(e.find("entries") != std::string::npos);
  e = refused(R"({"format": "autospace.latency/1", "device": {"type": "tpu", "threads": 1, "name": "x"},
                  "batch": 1, "warmup": 5, "runs": 30, "entries": {}})");
  CHECK((e.find("device.type") != std::string::npos && e.find("tpu") != std::string::npos));
  e = refused(head + R"({}, "calibration": {"scale": -1, "networks": 3}})");
  CHECK(e.find("calibration.scale") != std::string::npos);
  e = refused(R"({"format": "autospace.arch/1"})");
  CHECK(e.find("format") != std::string::npos);
  CHECK(refused("{").find(bad_file) != std::string::npos);
}

TEST_CASE("latency: missing entries are measured only on the table's own device", "[latency]") {
  const auto space = small_space();
  const std::vector<LatencyPart> parts = space_parts(*space, 1000);
  LatencyTable table(LatencyDevice{"cpu", num_threads(), "another machine's CPU"}, {});
  CHECK(test::error_of([&] {
          missing_parts(table, "shared.json", parts, Device::cpu());
        }).find("shared.json: " + std::to_string(parts.size()) + " of the space's") != std::string::npos);
  CHECK(test::error_of([&] {
          missing_parts(table, "shared.json", parts, Device::cpu());
        }).find("another machine's CPU") != std::string::npos);
  // Complete, it serves anywhere: nothing needs measuring.
  for (const LatencyPart& p : parts) table.add(p.key, {0.1, 0.1, 0.1});
  CHECK(missing_parts(table, "shared.json", parts, Device::cpu()).empty());
  // Where a table can be timed against on this machine.
  CHECK(device_of(table) == std::nullopt);
  CHECK(device_of(LatencyTable(latency_device(Device::cpu(), 3), {})) == Device::cpu());
  CHECK(device_of(LatencyTable(LatencyDevice{"cuda", 1, "no such GPU"}, {})) == std::nullopt);
  // The same machine with another thread count is another device.
  LatencyTable here(latency_device(Device::cpu(), num_threads() + 1), {});
  CHECK(test::error_of([&] { missing_parts(here, "t.json", parts, Device::cpu()); }).find("not here") !=
        std::string::npos);
}
