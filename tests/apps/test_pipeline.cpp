#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "apps/pipeline/pipeline.h"
#include "tests/apps/test_train_eval_support.h"

using namespace autospace;
namespace fs = std::filesystem;

namespace {

nas::Json pipeline(const fs::path& run_dir) {
  const nas::Json tiny = test::tiny_description(run_dir);
  nas::Json d = {{"run_dir", run_dir.string()}, {"seed", 3}, {"threads", 1}, {"data", tiny["data"]}};
  d["evolve"] = nas::Json::parse(R"({
    "backbone": {"classes": 2, "stem": {"channels": 8, "kernel": 3, "stride": 1}, "fixed": [],
                 "stages": [{"width": 8, "depth": 1, "stride": 1}, {"width": 12, "depth": 1, "stride": 2}],
                 "head": {"channels": 16, "dropout": 0.0}},
    "evolve": {"epochs": 2, "batch_size": 8, "population": 4, "supernet_cells": 2, "children": 1, "tournament": 2,
               "top_k": 2, "period": 4, "score_every": 2, "score_batch_size": 8, "log_every": 2}})");
  // The search reads the evolved space and the training the found arch.json: the defaults.
  // The band is wide: the learned space has four networks, and the default band may hold none.
  d["search"] = nas::Json::parse(R"({
    "search": {"method": "proxyless-g", "target_madds": 600000, "budget_band": [0.25, 1.5], "epochs": 2, "batch_size": 8, "arch_warmup_epochs": 1,
               "arch_batch_size": 8, "arch_lr": 0.05, "log_every": 2}})");
  d["train"] = {{"train", tiny["train"]}, {"eval", tiny["eval"]}};
  d["train"]["train"]["epochs"] = 2;
  return d;
}

}  // namespace

TEST_CASE("autospace run chains evolve, search, train and eval, then reports, done phases are not rerun",
          "[apps][pipeline]") {
  const test::TempDir dir;
  const fs::path run = dir / "run";
  const apps::PipelineOutcome first = apps::run_pipeline(apps::parse_pipeline_settings(pipeline(run)));
  REQUIRE(first.complete);
  for (const char* f : {"evolve/space.json", "search/arch.json", "search/search-summary.json", "train/best.safetensors",
                        "train/eval.json", "pipeline-summary.json", "report.html"})
    CHECK(fs::exists(run / f));
  const nas::Json& s = first.summary;
  CHECK(s["search"]["space"]["kind"] == "learned");
  CHECK(s["search"]["space"]["origin"] == (run / "evolve" / "space.json").string());
  CHECK(s["architecture"]["madds"] == s["search"]["madds"]);  // the searched network is the one trained
  CHECK(s["architecture"]["name"] == "search-proxyless-g");
  CHECK(s["evaluation"]["madds"] == s["architecture"]["madds"]);
  CHECK(s["training"]["best"]["top1"] == s["evaluation"]["top1"]);  // eval reads best.safetensors
  CHECK(s["learned_space"]["file"] == (run / "evolve" / "space.json").string());
  std::ifstream html(run / "report.html");
  const std::string page((std::istreambuf_iterator<char>(html)), std::istreambuf_iterator<char>());
  CHECK(page.find("<h2>Phase 1: the learned space</h2>") != std::string::npos);
  CHECK(page.find("<h2>Phase 2: search</h2>") != std::string::npos);
  CHECK(page.find("<svg") != std::string::npos);

  // Started again: every phase is recorded as done, so nothing runs and the times stay.
  const nas::Json before = nas::read_json_file(run / "pipeline-state.json");
  const apps::PipelineOutcome second = apps::run_pipeline(apps::parse_pipeline_settings(pipeline(run)));
  CHECK(second.complete);
  CHECK(nas::read_json_file(run / "pipeline-state.json") == before);
}

TEST_CASE("autospace run: the description is read strictly", "[apps][pipeline]") {
  const test::TempDir dir;
  nas::Json d = pipeline(dir / "run");
  d["train"]["seed"] = 4;
  CHECK_THROWS_WITH(apps::parse_pipeline_settings(d), Catch::Contains("train.seed") && Catch::Contains("shared"));
  d = pipeline(dir / "run");
  d["phases"] = {"eval", "train"};
  CHECK_THROWS_WITH(apps::parse_pipeline_settings(d), Catch::Contains("phases[1]"));
  d = pipeline(dir / "run");
  d["phases"] = {"search", "evolve"};
  CHECK_THROWS_WITH(apps::parse_pipeline_settings(d), Catch::Contains("phases[1]"));
  d = pipeline(dir / "run");
  d["search"]["run_dir"] = "elsewhere";
  CHECK_THROWS_WITH(apps::parse_pipeline_settings(d), Catch::Contains("search.run_dir") && Catch::Contains("shared"));
  // Each phase gets the shared keys and its own run directory.
  const apps::PipelineSettings s = apps::parse_pipeline_settings(pipeline(dir / "run"));
  const nas::Json train = apps::phase_description(s, "train");
  CHECK(train["run_dir"] == (dir / "run" / "train").string());
  CHECK(train["seed"] == 3);
  CHECK(apps::phase_description(s, "eval")["run_dir"] == train["run_dir"]);
  CHECK(train["arch"] == (dir / "run" / "search" / "arch.json").string());
  CHECK(apps::phase_description(s, "search")["space"] == (dir / "run" / "evolve" / "space.json").string());
}

TEST_CASE("autospace run checks every phase's section before the first phase starts", "[apps][pipeline]") {
  const test::TempDir dir;
  // A typo in the last phases' sections, whose inputs (the space, the arch) do not exist yet.
  nas::Json d = pipeline(dir / "run");
  d["train"]["train"]["lr"] = -1;
  CHECK_THROWS_WITH(apps::run_pipeline(apps::parse_pipeline_settings(d)),
                    Catch::Contains("phase train (") && Catch::Contains("train.lr"));
  CHECK_FALSE(fs::exists(dir / "run"));  // nothing started, nothing recorded
  d = pipeline(dir / "run");
  d["search"]["search"]["epocs"] = 2;
  CHECK_THROWS_WITH(apps::run_pipeline(apps::parse_pipeline_settings(d)),
                    Catch::Contains("phase search (") && Catch::Contains("search.epocs"));
  CHECK_FALSE(fs::exists(dir / "run"));
  // An input no earlier phase of this run writes must exist now.
  d = pipeline(dir / "run");
  d["phases"] = {"train"};
  CHECK_THROWS_WITH(apps::run_pipeline(apps::parse_pipeline_settings(d)),
                    Catch::Contains("phase train (") && Catch::Contains("arch.json"));
  // So must the data every phase reads.
  d = pipeline(dir / "run");
  d["data"] = {{"kind", "folder"}, {"train", (dir / "no-train").string()}, {"val", (dir / "no-val").string()},
               {"resolution", 16}};
  CHECK_THROWS_WITH(apps::run_pipeline(apps::parse_pipeline_settings(d)),
                    "data.train: " + (dir / "no-train").string() + ": no such directory");
  CHECK_FALSE(fs::exists(dir / "run"));
}
