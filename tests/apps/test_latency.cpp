// Latency budgets end to end: autospace-latency's table and check, and searches with
// target_latency_ms (apps/phases/latency, apps/phases/search).
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "apps/phases/eval/eval_phase.h"
#include "apps/phases/latency/latency_phase.h"
#include "apps/phases/search/search_phase.h"
#include "apps/phases/train/train_phase.h"
#include "apps/run/runner.h"
#include "nas/arch_json.h"
#include "nas/latency/latency_parts.h"
#include "nas/network/build_network.h"
#include "nas/space_json.h"
#include "tests/apps/test_train_eval_support.h"

using namespace autospace;
namespace fs = std::filesystem;

namespace {

// The search tests' space: two searchable layers on 16x16 inputs, IRB with skip.
const char* kSpace = R"({"format": "autospace.space/1", "kind": "irb", "skip": true,
  "backbone": {"resolution": 16, "classes": 2, "stem": {"channels": 8, "kernel": 3, "stride": 1}, "fixed": [],
               "stages": [{"width": 8, "depth": 1, "stride": 1}, {"width": 12, "depth": 1, "stride": 2}],
               "head": {"channels": 16, "dropout": 0.0}}})";

nas::Json latency_description(const fs::path& dir) {
  return {{"run_dir", (dir / "latency-run").string()},
          {"space", nas::Json::parse(kSpace)},
          {"latency", {{"table", (dir / "table.json").string()}, {"threads", 1}, {"warmup", 1}, {"runs", 3}}},
          {"check", {{"archs", 2}}}};
}

bool run_latency(const nas::Json& description, const apps::RunControl& control = {.print = false}) {
  const auto phase = apps::make_latency_phase(apps::parse_latency_run_settings(description));
  return apps::run_phase(*phase, control);
}

// A complete table for this machine with made-up times: a candidate's time grows with its
// MAdds, so the band's arithmetic is known and the test does not depend on timing noise.
void write_made_up_table(const fs::path& file, const nas::Space& space) {
  nas::LatencyTable table(nas::latency_device(Device::cpu(), 1), {1, 1, 3});
  for (const nas::LatencyPart& p : nas::space_parts(space, 1000)) {
    const double ms = 0.01 + 1e-7 * static_cast<double>(std::hash<std::string>{}(p.key) % 1000000);
    table.add(p.key, {ms, ms, ms});
  }
  table.save(file);
}

// Writes the made-up table to `file` and returns the cheapest and costliest network of the
// space under it, in ms.
std::pair<double, double> made_up_range(const fs::path& file, const nas::Space& space) {
  write_made_up_table(file, space);
  const nas::LatencyTable table = nas::LatencyTable::load(file);
  const nas::SpaceTable costs(space, &table, file.string());
  return {1e-6 * static_cast<double>(costs.min_cost(nas::CostKind::latency)),
          1e-6 * static_cast<double>(costs.max_cost(nas::CostKind::latency))};
}

nas::Json latency_search(const fs::path& dir, const std::string& method, double target_ms) {
  nas::Json d = nas::Json::parse(R"({"seed": 5, "threads": 1,
    "search": {"budget_band": [0.9, 1.0], "epochs": 2, "batch_size": 8, "lr": 0.05, "checkpoint_every": 3, "log_every": 2}})");
  d["space"] = nas::Json::parse(kSpace);
  d["run_dir"] = (dir / method).string();
  d["data"] = test::tiny_description(dir / method)["data"];
  d["data"]["holdout_fraction"] = 0.25;
  d["search"]["method"] = method;
  d["search"]["target_latency_ms"] = target_ms;
  d["search"]["latency"] = {{"table", (dir / "table.json").string()}, {"threads", 1}, {"warmup", 1}, {"runs", 3}};
  if (method == "proxyless-g" || method == "proxyless-rl") {
    d["search"]["arch_warmup_epochs"] = 1;
    d["search"]["arch_batch_size"] = 8;
  } else {
    d["search"]["population"] = 3;
    d["search"]["generations"] = 2;
    d["search"]["recalibration_batches"] = 1;
    if (method == "spos") d["search"]["parents"] = 2;
  }
  return d;
}

}  // namespace

TEST_CASE("autospace-latency: measures what the table lacks, checks whole networks, resumes", "[latency]") {
  test::TempDir tmp;
  const nas::Json d = latency_description(tmp.path());
  const std::size_t parts = nas::space_parts(*nas::space_from_json(nas::Json::parse(kSpace)), 1000).size();
  // Stopped after two parts: what it measured is in the file already.
  REQUIRE_FALSE(run_latency(d, {.stop = [](const apps::PhaseCounters& c) { return c.steps >= 2; }, .print = false}));
  CHECK(nas::LatencyTable::load(tmp / "table.json").size() == 2);
  REQUIRE(run_latency(d));
  const nas::Json check = nas::read_json_file(tmp / "latency-run" / "latency-check.json");
  CHECK(check["entries"] == parts);
  CHECK(check["measured_now"] == parts - 2);
  REQUIRE(check["archs"].size() == 2);
  for (const auto& a : check["archs"]) CHECK((a["sum_of_parts_ms"] > 0 && a["measured_ms"] > 0));
  CHECK(check["device"].get<std::string>().rfind("cpu with 1 thread", 0) == 0);
  // Two networks are too few to calibrate from.
  CHECK(check["calibration"]["networks"] == 0);
  CHECK(check["calibrated_error"].is_null());
  CHECK(nas::LatencyTable::load(tmp / "table.json").calibration().networks == 0);

  // Run again: finished before, nothing to measure; a new run directory redoes the checks.
  REQUIRE(run_latency(d));
  CHECK(nas::read_json_file(tmp / "latency-run" / "latency-check.json")["measured_now"] == 0);
  nas::Json again = d;
  again["run_dir"] = (tmp / "again-run").string();
  REQUIRE(run_latency(again));
  CHECK(nas::read_json_file(tmp / "again-run" / "latency-check.json")["measured_now"] == 0);
  CHECK(nas::read_json_file(tmp / "again-run" / "latency-check.json")["archs"].size() == 2);

  // Three are enough: the table takes the median ratio measured / sum of parts, and each
  // network's calibrated error comes from the other two.
  nas::Json three = d;
  three["run_dir"] = (tmp / "three-run").string();
  three["check"]["archs"] = 3;
  REQUIRE(run_latency(three));
  const nas::Json c3 = nas::read_json_file(tmp / "three-run" / "latency-check.json");
  std::vector<double> ratios;
  for (const auto& a : c3["archs"])
    ratios.push_back(a["measured_ms"].get<double>() / a["sum_of_parts_ms"].get<double>());
  std::sort(ratios.begin(), ratios.end());
  const nas::LatencyTable calibrated = nas::LatencyTable::load(tmp / "table.json");
  CHECK(calibrated.calibration().networks == 3);
  CHECK(calibrated.calibration().scale == Approx(ratios[1]));
  const auto& first = c3["archs"][0];
  const double r1 = c3["archs"][1]["measured_ms"].get<double>() / c3["archs"][1]["sum_of_parts_ms"].get<double>();
  const double r2 = c3["archs"][2]["measured_ms"].get<double>() / c3["archs"][2]["sum_of_parts_ms"].get<double>();
  // The median of the other two ratios is their mean.
  CHECK(first["calibrated_error"].get<double>() ==
        Approx(0.5 * (r1 + r2) * first["sum_of_parts_ms"].get<double>() / first["measured_ms"].get<double>() - 1));
  CHECK(c3["calibrated_error"]["max_abs"].get<double>() >= c3["calibrated_error"]["mean_abs"].get<double>());

  // A named network, not of the space: its parts are measured too, and it is checked first.
  std::ofstream(tmp / "tiny.json") << test::tiny_arch_json().dump();
  nas::Json named = d;
  named["run_dir"] = (tmp / "named-run").string();
  named["check"] = {{"archs", 1}, {"arch_files", {(tmp / "tiny.json").string()}}, {"calibrate", false}};
  REQUIRE(run_latency(named));
  const nas::Json cn = nas::read_json_file(tmp / "named-run" / "latency-check.json");
  CHECK(cn["measured_now"].get<int>() == 4);  // its three layers and head; its stem is the space's
  REQUIRE(cn["archs"].size() == 2);
  CHECK(cn["archs"][0]["network"] == (tmp / "tiny.json").string());
  CHECK(cn["archs"][1]["network"] == check["archs"][0]["network"]);                // the same first random network
  CHECK(nas::LatencyTable::load(tmp / "table.json").calibration().networks == 3);  // left as it was

  // Another protocol does not mix with the table's.
  nas::Json other = d;
  other["run_dir"] = (tmp / "other-run").string();
  other["latency"]["runs"] = 5;
  CHECK_THROWS_WITH(
      run_latency(other),
      Catch::Contains((tmp / "table.json").string()) &&
          Catch::Contains("timed at batch 1 (1 warm-up and 3 timed runs) but latency asks batch 1 (1, 5)"));
  // Nor does another device's: a table from elsewhere serves only when complete.
  nas::LatencyTable foreign(nas::LatencyDevice{"cpu", 1, "another CPU"}, {1, 1, 3});
  foreign.save(tmp / "foreign.json");
  other = d;
  other["run_dir"] = (tmp / "foreign-run").string();
  other["latency"]["table"] = (tmp / "foreign.json").string();
  CHECK_THROWS_WITH(run_latency(other), Catch::Contains("foreign.json") && Catch::Contains("another CPU"));
}

TEST_CASE("search: a latency budget lands in its band for every method", "[latency][search]") {
  test::TempDir tmp;
  const auto space = nas::space_from_json(nas::Json::parse(kSpace));
  const auto [cheapest, costliest] = made_up_range(tmp / "table.json", *space);
  const double target_ms = 0.5 * (cheapest + costliest);
  const nas::LatencyTable table = nas::LatencyTable::load(tmp / "table.json");
  for (const std::string method : {"proxyless-g", "proxyless-rl", "spos", "random"}) {
    INFO(method);
    const auto settings = apps::parse_search_settings(latency_search(tmp.path(), method, target_ms));
    REQUIRE(apps::run_search(settings).complete);
    const nas::Json s = nas::read_json_file(tmp / method / "search-summary.json");
    CHECK(s["budget"]["unit"] == "ms");
    CHECK(s["budget"]["target"].get<double>() == Approx(target_ms));
    CHECK(s["inside_band"] == true);
    const double predicted = s["latency"]["predicted_ms"].get<double>();
    CHECK((predicted >= 0.9 * target_ms - 1e-9 && predicted <= target_ms + 1e-9));
    // The table is this machine's, so the found network was timed whole too.
    CHECK(s["latency"]["measured_ms"].get<double>() > 0);
  }
  // The made-up table was complete: the searches measured nothing into it.
  CHECK(nas::read_json_file(tmp / "table.json") == table.to_json());

  // A calibrated table's scale prices every candidate, and the summary says which.
  nas::LatencyTable calibrated = table;
  calibrated.set_calibration({1.5, 8});
  calibrated.save(tmp / "table.json");
  nas::Json d = latency_search(tmp.path(), "random", 1.5 * target_ms);
  d["run_dir"] = (tmp / "calibrated").string();
  REQUIRE(apps::run_search(apps::parse_search_settings(d)).complete);
  const nas::Json s = nas::read_json_file(tmp / "calibrated" / "search-summary.json");
  CHECK(s["latency"]["calibration_scale"] == 1.5);
  const nas::Arch found = nas::load_arch(tmp / "calibrated" / "arch.json");
  CHECK(s["latency"]["predicted_ms"].get<double>() ==
        Approx(1.5 * nas::sum_of_parts_ms(table, found, "t")).epsilon(1e-5));
  CHECK(s["inside_band"] == true);
}

TEST_CASE("search: a latency search resumes from its checkpoint's entries, whatever became of the table",
          "[latency][search]") {
  test::TempDir tmp;
  const auto space = nas::space_from_json(nas::Json::parse(kSpace));
  const auto [cheapest, costliest] = made_up_range(tmp / "table.json", *space);
  const auto settings =
      apps::parse_search_settings(latency_search(tmp.path(), "proxyless-g", 0.5 * (cheapest + costliest)));
  REQUIRE_FALSE(apps::run_search(settings, {3, -1}).complete);
  fs::remove(tmp / "table.json");
  REQUIRE(apps::run_search(settings).complete);
  CHECK_FALSE(fs::exists(tmp / "table.json"));
  CHECK(nas::read_json_file(tmp / "proxyless-g" / "search-summary.json")["inside_band"] == true);
}

TEST_CASE("search: latency budget errors name the key", "[latency][search]") {
  test::TempDir tmp;
  const auto space = nas::space_from_json(nas::Json::parse(kSpace));
  const double costliest = made_up_range(tmp / "table.json", *space).second;
  nas::Json d = latency_search(tmp.path(), "random", 1.0);
  d["search"].erase("latency");
  CHECK_THROWS_WITH(apps::parse_search_settings(d), Catch::StartsWith("search.latency: missing"));
  d = latency_search(tmp.path(), "random", 1.0);
  d["search"]["target_madds"] = 700000;
  CHECK_THROWS_WITH(apps::parse_search_settings(d), Catch::StartsWith("search.target_latency_ms: give one budget"));
  d = latency_search(tmp.path(), "random", 1.0);
  d["search"].erase("target_latency_ms");
  d["search"]["target_madds"] = 700000;
  CHECK_THROWS_WITH(apps::parse_search_settings(d), Catch::StartsWith("search.latency: only with target_latency_ms"));
  d = latency_search(tmp.path(), "random", -1.0);
  CHECK_THROWS_WITH(apps::parse_search_settings(d), Catch::StartsWith("search.target_latency_ms:"));
  d = latency_search(tmp.path(), "random", 1.0);
  d["search"]["latency"]["device"] = "tpu";
  CHECK_THROWS_WITH(apps::parse_search_settings(d), Catch::StartsWith("search.latency.device"));

  // Unreachable targets are refused before training, in milliseconds, for every method.
  for (const std::string method : {"random", "proxyless-g"}) {
    INFO(method);
    d = latency_search(tmp.path(), method, 0.001);
    CHECK_THROWS_WITH(apps::run_search(apps::parse_search_settings(d)),
                      Catch::Contains("search.target_latency_ms: the budget band [0.001 ms, 0.001 ms] lies outside") &&
                          Catch::Contains(" ms to "));
    CHECK_FALSE(fs::exists(tmp / method / "checkpoint.safetensors"));
  }
  // The refused start left its run directory free for the corrected description.
  REQUIRE(apps::run_search(apps::parse_search_settings(latency_search(tmp.path(), "random", costliest))).complete);
}

TEST_CASE("eval: predicted latency from a table next to the measured one", "[latency][eval]") {
  test::TempDir tmp;
  apps::RunSettings s = test::tiny_settings(tmp / "run");
  s.train.epochs = 1;
  REQUIRE(apps::run_training(s, {[](std::int64_t) { return false; }, false}).completed);
  // The tiny network's own parts, timed here.
  const nas::LatencyProtocol quick{1, 1, 3};
  const auto model = nas::build_network(s.arch, 0);
  nas::LatencyTable table(nas::latency_device(Device::cpu(), 1), quick);
  for (const nas::LatencyPart& p : nas::network_parts(s.arch, *model))
    table.add(p.key, nas::measure_part(p, Device::cpu(), quick));
  table.save(tmp / "table.json");
  s.eval.latency_table = tmp / "table.json";
  nas::Json report = apps::run_evaluation(s, {.print = false});
  nas::Json m = report.at("latency_model");
  CHECK(m["predicted_ms"].get<double>() == Approx(nas::predicted_latency_ms(table, s.arch, "t")));
  CHECK(m["measured_ms"].get<double>() > 0);
  CHECK(m["batch"] == 1);

  // Another machine's table predicts, and says why nothing was measured.
  nas::LatencyTable foreign(nas::LatencyDevice{"cpu", 1, "another CPU"}, quick);
  for (const auto& [key, e] : table.entries()) foreign.add(key, e);
  foreign.save(tmp / "foreign.json");
  s.eval.latency_table = tmp / "foreign.json";
  m = apps::run_evaluation(s, {.print = false}).at("latency_model");
  CHECK(m["measured_ms"].is_null());
  CHECK(m["not_measured"].get<std::string>().find("another CPU") != std::string::npos);

  // A table without this network's parts names itself and the part.
  nas::LatencyTable partial(table.device(), quick);
  partial.add(table.entries().begin()->first, table.entries().begin()->second);
  partial.save(tmp / "partial.json");
  s.eval.latency_table = tmp / "partial.json";
  CHECK_THROWS_WITH(apps::run_evaluation(s, {.print = false}),
                    Catch::Contains("partial.json: no latency entry for \"") && Catch::Contains("autospace-latency"));
}
