#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "apps/phases/rankcheck/ranking_phase.h"
#include "tests/nas/nas_test_helpers.h"

using namespace autospace;
namespace fs = std::filesystem;

namespace {

nas::Json description(const fs::path& run_dir, const fs::path& data_dir) {
  nas::Json d = nas::Json::parse(R"({
    "seed": 5, "threads": 1,
    "data": {"kind": "synthetic", "synthetic": {"classes": 3, "train_per_class": 32, "val_per_class": 8},
             "resolution": 16, "augment": "none", "threads": 1, "holdout_fraction": 0.25},
    "candidates": [{"name": "narrow", "stem": 1, "stages": [{"width": 1}]},
                   {"name": "wide", "stem": 8, "stages": [{"width": 8}, {"width": 16, "stride": 2}]}],
    "train": {"epochs": 2, "batch_size": 8, "lr": 0.05},
    "scores": {"every": 1, "batch_size": 8, "lr": 0.05, "inits": [[0, 0], [1, -1]]}
  })");
  d["run_dir"] = run_dir.string();
  d["data"]["synthetic"]["dir"] = data_dir.string();
  return d;
}

}  // namespace

TEST_CASE("ranking check: standalone order, per-epoch scores, parts reused when started again", "[apps][rankcheck]") {
  const test::TempDir dir;
  const nas::Json d = description(dir / "run", dir / "data");
  const nas::Json first = apps::run_ranking_check(apps::parse_ranking_settings(d));

  const double narrow = first["standalone"][0]["top1"], wide = first["standalone"][1]["top1"];  // ties keep index order
  CHECK(first["true_order"] == (narrow >= wide ? nas::Json{0, 1} : nas::Json{1, 0}));
  REQUIRE(first["gated"].size() == 2);
  int reproduced = 0;
  for (const auto& g : first["gated"]) {
    const auto& epochs = g["epochs"];
    REQUIRE(epochs.size() == 2);
    for (const auto& e : epochs) {
      const std::vector<float> a = e["logits"];
      CHECK(e["true_order"] == (e["order"] == first["true_order"]));
      CHECK(e["order"] == (a[0] >= a[1] ? nas::Json{0, 1} : nas::Json{1, 0}));
    }
    // epochs_needed: the start of the final run of epochs in the true order.
    if (g["epochs_needed"].is_null()) {
      CHECK_FALSE(epochs.back()["true_order"].get<bool>());
    } else {
      const double from = g["epochs_needed"];
      for (const auto& e : epochs)
        if (e["epoch"].get<double>() >= from) CHECK(e["true_order"].get<bool>());
      if (from > 1) CHECK_FALSE(epochs[static_cast<int>(from) - 2]["true_order"].get<bool>());
      ++reproduced;
    }
    CHECK(g["sampled_in_pair"][0].get<int>() + g["sampled_in_pair"][1].get<int>() > 0);
  }
  CHECK(first["reproduced"] == reproduced);
  CHECK(fs::exists(dir / "run" / "scores-init1.svg"));

  // Started again, finished parts are read back, not recomputed: a doctored standalone
  // result changes the true order, the gated runs are recomputed only where removed.
  nas::Json doctored = nas::read_json_file(dir / "run" / "standalone-narrow.json");
  doctored["top1"] = 2.0;  // impossible, so certainly the best
  nas::write_json_file(dir / "run" / "standalone-narrow.json", doctored);
  fs::remove(dir / "run" / "gated-1.json");
  const nas::Json second = apps::run_ranking_check(apps::parse_ranking_settings(d));
  CHECK(second["true_order"] == nas::Json{0, 1});
  CHECK(second["gated"][0] == first["gated"][0]);
  CHECK(second["gated"][1]["epochs"].size() == 2);
  // Deterministic: the recomputed part has the same scores as before.
  CHECK(second["gated"][1]["epochs"].back()["logits"] == first["gated"][1]["epochs"].back()["logits"]);
}

TEST_CASE("ranking check: description errors name the key", "[apps][rankcheck]") {
  const test::TempDir dir;
  nas::Json d = description(dir / "run", dir / "data");
  d["scores"]["inits"] = {{0, 0, 0}};
  CHECK_THROWS_WITH(apps::parse_ranking_settings(d), Catch::Contains("scores.inits[0]") && Catch::Contains("3 logits for 2"));
  d = description(dir / "run", dir / "data");
  d["candidates"].erase(1);
  CHECK_THROWS_WITH(apps::parse_ranking_settings(d), Catch::Contains("candidates") && Catch::Contains("at least two"));
  d = description(dir / "run", dir / "data");
  d["candidates"][0]["stages"][0]["stride"] = 3;
  CHECK_THROWS_WITH(apps::parse_ranking_settings(d), Catch::Contains("candidates[0].stages[0].stride"));
}

TEST_CASE("ranking check with pretrained weights: only the scores learn", "[apps][rankcheck]") {
  const test::TempDir dir;
  nas::Json d = description(dir / "run", dir / "data");
  d["scores"]["weights"] = "pretrained";
  const nas::Json result = apps::run_ranking_check(apps::parse_ranking_settings(d));
  CHECK(fs::exists(dir / "run" / "standalone-narrow.safetensors"));
  REQUIRE(result["gated"].size() == 2);
  std::ifstream metrics(dir / "run" / "metrics.jsonl");
  int records = 0;
  for (std::string line; std::getline(metrics, line); ++records) {
    const nas::Json r = nas::Json::parse(line);
    CHECK(r["train_loss"].is_null());  // no weight step ran
    CHECK(r["holdout_loss"].is_number());
  }
  CHECK(records == 4);  // 2 initialisations x 2 epochs
  // The scores moved away from the initialisation.
  CHECK(result["gated"][0]["epochs"].back()["logits"] != nas::Json{0.0, 0.0});
}
