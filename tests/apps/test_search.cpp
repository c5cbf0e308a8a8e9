#include <catch2/catch.hpp>
#include <filesystem>
#include <cstring>
#include <fstream>
#include <map>

#include "apps/phases/search/search_phase.h"
#include "engine/io/checkpoint.h"
#include "nas/arch_json.h"
#include "nas/cost_model.h"
#include "tests/apps/kill_support.h"
#include "tests/apps/test_train_eval_support.h"

using namespace autospace;
namespace fs = std::filesystem;

namespace {

// Two searchable layers on 16x16 inputs, 2 classes; the IRB space with skip (7 + 6
// candidates), so every method runs in about a second.
nas::Json search_description(const fs::path& run_dir, const std::string& method) {
  nas::Json d = nas::Json::parse(R"({
    "seed": 5, "threads": 1,
    "space": {"format": "autospace.space/1", "kind": "irb", "skip": true,
              "backbone": {"classes": 2, "stem": {"channels": 8, "kernel": 3, "stride": 1}, "fixed": [],
                           "stages": [{"width": 8, "depth": 1, "stride": 1}, {"width": 12, "depth": 1, "stride": 2}],
                           "head": {"channels": 16, "dropout": 0.0}}},
    "search": {"target_madds": 700000, "budget_band": [0.5, 1.0], "epochs": 3, "batch_size": 8, "lr": 0.05, "checkpoint_every": 3, "log_every": 2}
  })");
  d["run_dir"] = run_dir.string();
  d["data"] = test::tiny_description(run_dir)["data"];
  d["data"]["holdout_fraction"] = 0.25;
  d["search"]["method"] = method;
  if (method == "proxyless-g" || method == "proxyless-rl") {
    d["search"]["arch_warmup_epochs"] = 1;
    d["search"]["arch_batch_size"] = 8;
    d["search"]["arch_lr"] = 0.05;
  } else {
    d["search"]["population"] = 4;
    d["search"]["generations"] = 3;
    d["search"]["recalibration_batches"] = 2;
    if (method == "spos") {
      d["search"]["parents"] = 2;
      d["search"]["mutations"] = 2;
      d["search"]["crossovers"] = 2;
      d["search"]["mutation_probability"] = 0.5;
    }
  }
  return d;
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

TEST_CASE("search: every method writes an arch.json that autospace-train can build", "[search]") {
  test::TempDir tmp;
  for (const std::string method : {"proxyless-g", "proxyless-rl", "spos", "random"}) {
    INFO(method);
    const fs::path run = tmp / method;
    const apps::SearchOutcome outcome = apps::run_search(apps::parse_search_settings(search_description(run, method)));
    REQUIRE(outcome.complete);
    const nas::Arch arch = nas::load_arch(run / "arch.json");  // strict: costs must match the cost model
    CHECK(arch.layers.size() == 2);
    const nas::Json summary = nas::read_json_file(run / "search-summary.json");
    CHECK(summary["method"] == method);
    CHECK(summary["madds"].get<std::int64_t>() == nas::arch_cost(arch).total.madds);
    CHECK(fs::exists(run / "search.svg"));
    if (method == "spos" || method == "random") {
      // The evolution's architectures all lie in the band, and so does its answer.
      CHECK(summary["evaluations"].get<int>() >= 4);
      CHECK(fs::exists(run / "pareto.svg"));
      for (const auto& e : summary["pareto_front"])
        CHECK((e["madds"].get<std::int64_t>() >= 350000 && e["madds"].get<std::int64_t>() <= 700000));
    } else {
      CHECK(summary["layers"].size() == 2);
      CHECK(summary["layers"][0]["probabilities"].size() == 7);
      CHECK(summary["expected_cost"].get<double>() > 0);
      CHECK(summary.contains("argmax"));  // the plain argmax, next to the budget-aware export
    }
    // Every method's answer lies in the band, and the summary says so.
    CHECK(summary["budget"] ==
          nas::Json::parse(R"({"kind": "MAdds", "unit": "MAdds", "target": 700000, "band": [350000, 700000]})"));
    CHECK((summary["madds"].get<std::int64_t>() >= 350000 && summary["madds"].get<std::int64_t>() <= 700000));
    CHECK(summary["inside_band"] == true);
  }
}

TEST_CASE("search: random at 0 epochs and population 1 is one uniform draw inside the band, by seed", "[search]") {
  test::TempDir tmp;
  std::map<std::string, int> drawn;
  for (int seed = 0; seed < 6; ++seed) {
    const fs::path run = tmp / ("seed" + std::to_string(seed));
    nas::Json d = search_description(run, "random");
    d["seed"] = seed;
    d["search"]["epochs"] = 0;
    d["search"]["population"] = 1;
    d["search"]["generations"] = 1;
    d["search"]["recalibration_batches"] = 0;
    d["search"]["eval_batches"] = 1;
    REQUIRE(apps::run_search(apps::parse_search_settings(d)).complete);
    const nas::Json summary = nas::read_json_file(run / "search-summary.json");
    CHECK(summary["steps"] == 0);  // no supernet training
    CHECK(summary["evaluations"] == 1);
    CHECK(summary["inside_band"] == true);
    ++drawn[summary["choice"].get<std::string>()];
    if (seed == 0) {  // the same seed draws the same network again
      const fs::path again = tmp / "again";
      d["run_dir"] = again.string();
      REQUIRE(apps::run_search(apps::parse_search_settings(d)).complete);
      CHECK(nas::read_json_file(again / "search-summary.json")["choice"] == summary["choice"]);
    }
  }
  CHECK(drawn.size() >= 3);  // different seeds, different networks (of 30-odd inside the band)
  nas::Json d = search_description(tmp / "spos", "spos");
  d["search"]["epochs"] = 0;  // evolution over untrained weights would rank noise
  CHECK_THROWS_WITH(apps::parse_search_settings(d), Catch::Contains("search.epochs"));
}

TEST_CASE("search: stopped and resumed, each method ends exactly as an uninterrupted run", "[search]") {
  test::TempDir tmp;
  for (const std::string method : {"proxyless-g", "proxyless-rl", "spos", "random"}) {
    INFO(method);
    const auto straight = apps::parse_search_settings(search_description(tmp / (method + "-a"), method));
    REQUIRE(apps::run_search(straight).complete);
    const auto settings = apps::parse_search_settings(search_description(tmp / (method + "-b"), method));
    // Stop inside the supernet training (not on a checkpoint boundary) ...
    const apps::SearchOutcome first = apps::run_search(settings, {5, -1});
    CHECK_FALSE(first.complete);
    CHECK(first.steps == 5);
    if (method == "spos" || method == "random") {
      // ... and again in the middle of the evolution's second generation.
      const apps::SearchOutcome second = apps::run_search(settings, {-1, 6});
      CHECK_FALSE(second.complete);
      CHECK(second.evaluations == 6);
    }
    REQUIRE(apps::run_search(settings).complete);
    CHECK(read_text(tmp / (method + "-a") / "arch.json") == read_text(tmp / (method + "-b") / "arch.json"));
    const io::Checkpoint a = io::load_checkpoint(tmp / (method + "-a") / "checkpoint.safetensors");
    const io::Checkpoint b = io::load_checkpoint(tmp / (method + "-b") / "checkpoint.safetensors");
    CHECK(a.state.dump() == b.state.dump());
    for (const auto& [a_tensors, b_tensors] : {std::pair{a.model, b.model}, std::pair{a.optimizer, b.optimizer}}) {
      std::map<std::string, Tensor> theirs(b_tensors.begin(), b_tensors.end());
      CHECK(a_tensors.size() == b_tensors.size());
      for (const auto& [name, t] : a_tensors) {
        INFO(name);
        REQUIRE(theirs.count(name));
        CHECK(std::memcmp(t.raw_data(), theirs[name].raw_data(), t.nbytes()) == 0);
      }
    }
  }
}

// Where a run computes is not part of its description: started on the CPU with one thread,
// it resumes with two and device "auto" (the GPU, on a machine that has one).
TEST_CASE("search: a run resumes on another device and thread count", "[search]") {
  test::TempDir tmp;
  for (const std::string method : {"proxyless-g", "spos"}) {
    INFO(method);
    nas::Json d = search_description(tmp / method, method);
    d["device"] = "cpu";
    CHECK_FALSE(apps::run_search(apps::parse_search_settings(d), {5, -1}).complete);
    d["device"] = "auto";
    d["threads"] = 2;
    const apps::SearchOutcome resumed = apps::run_search(apps::parse_search_settings(d));
    CHECK(resumed.complete);
    CHECK(nas::read_json_file(tmp / method / "search-summary.json")["inside_band"] == true);
    d["seed"] = 6;  // what it computes still must match
    CHECK_THROWS_WITH(apps::run_search(apps::parse_search_settings(d)), Catch::Contains("first difference at seed"));
  }
}

TEST_CASE("search: a run killed with SIGKILL resumes exactly", "[search]") {
  test::TempDir tmp;
  REQUIRE(apps::run_search(apps::parse_search_settings(search_description(tmp / "a", "spos"))).complete);
  const fs::path run = tmp / "killed", config = tmp / "killed.json";
  std::ofstream(config) << search_description(run, "spos").dump();
  REQUIRE(test::run_and_kill(AUTOSPACE_SEARCH_BIN, config, run / "metrics.jsonl", 3));
  REQUIRE(fs::exists(run / "checkpoint.safetensors"));
  CHECK_FALSE(fs::exists(run / "arch.json"));
  REQUIRE(apps::run_search(apps::parse_search_settings(search_description(run, "spos"))).complete);
  CHECK(read_text(tmp / "a" / "arch.json") == read_text(run / "arch.json"));
  CHECK(io::load_checkpoint(tmp / "a" / "checkpoint.safetensors").state.dump() ==
        io::load_checkpoint(run / "checkpoint.safetensors").state.dump());
}

TEST_CASE("search: description errors name the key and what is wrong", "[search]") {
  const fs::path run = "unused";
  nas::Json d = search_description(run, "spos");
  d["search"]["madds_loss"] = "mul#log";
  CHECK_THROWS_WITH(apps::parse_search_settings(d), Catch::Contains("search.madds_loss") &&
                                                        Catch::Contains("only for method proxyless-g"));
  d = search_description(run, "proxyless-g");
  d["search"]["method"] = "proxyless";
  CHECK_THROWS_WITH(apps::parse_search_settings(d), Catch::Contains("search.method"));
  d = search_description(run, "proxyless-g");
  d["space"]["kind"] = "open";
  d["space"].erase("skip");
  CHECK_THROWS_WITH(apps::parse_search_settings(d), Catch::Contains("search.method") && Catch::Contains("open space"));
  d = search_description(run, "proxyless-g");
  d["search"]["arch_warmup_epochs"] = 3;
  CHECK_THROWS_WITH(apps::parse_search_settings(d), Catch::Contains("search.arch_warmup_epochs"));
  d = search_description(run, "spos");
  d["space"]["backbone"]["resolution"] = 32;
  CHECK_THROWS_WITH(apps::parse_search_settings(d), Catch::Contains("space") && Catch::Contains("data.resolution is 16"));
  d = search_description(run, "spos");
  d["space"]["kind"] = "irbs";
  CHECK_THROWS_WITH(apps::parse_search_settings(d), Catch::Contains("space.kind"));
  d = search_description(run, "spos");
  d["space"] = "no/such/space.json";
  CHECK_THROWS_WITH(apps::parse_search_settings(d), Catch::Contains("no/such/space.json"));
  d = search_description(run, "spos");
  d["search"].erase("target_madds");
  CHECK_THROWS_WITH(apps::parse_search_settings(d), Catch::Contains("search") && Catch::Contains("target_madds"));

  d["search"]["target_params"] = 5000;
  d["search"]["target_madds"] = 700000;
  CHECK_THROWS_WITH(apps::parse_search_settings(d),
                    "search.target_params: give one budget, not both target_madds and target_params");
  d = search_description(run, "spos");
  d["search"]["budget_band"] = {0.9};
  CHECK_THROWS_WITH(apps::parse_search_settings(d), "search.budget_band: expected [low, high], fractions of the target");
  d["search"]["budget_band"] = {0.9, 0.8};
  CHECK_THROWS_WITH(apps::parse_search_settings(d), Catch::StartsWith("search.budget_band[1]: 0.8 is out of range"));

  // A band outside what the space reaches is refused before any training, for every cost
  // kind, with the reachable range.
  for (const char* method : {"random", "proxyless-g"}) {
    d = search_description(run, method);
    d["search"]["target_madds"] = 1000;
    CHECK_THROWS_WITH(apps::parse_search_settings(d),
                      Catch::StartsWith("search.target_madds: the budget band [0.001M MAdds, 0.001M MAdds] lies outside "
                                        "what the inline space can reach: its networks cost ") &&
                          Catch::Contains("M MAdds to "));
    d["search"].erase("target_madds");
    d["search"]["target_params"] = 1000000000;
    CHECK_THROWS_WITH(apps::parse_search_settings(d),
                      Catch::StartsWith("search.target_params: the budget band") && Catch::Contains("M params to"));
  }
}
