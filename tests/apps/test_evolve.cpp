#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <fstream>

#include "apps/phases/evolve/evolve_phase.h"
#include "engine/io/checkpoint.h"
#include "tests/apps/kill_support.h"
#include "tests/support/test_support.h"

using namespace autospace;
namespace fs = std::filesystem;

namespace {

nas::Json description(const fs::path& run_dir, const fs::path& data_dir) {
  nas::Json d = nas::Json::parse(R"({
    "seed": 3,
    "threads": 1,
    "data": {"kind": "synthetic", "synthetic": {"classes": 3, "train_per_class": 24, "val_per_class": 4},
             "resolution": 16, "augment": "cifar", "threads": 2, "holdout_fraction": 0.25},
    "backbone": {"classes": 3, "stem": {"channels": 8, "kernel": 3, "stride": 1}, "fixed": [],
                 "stages": [{"width": 8, "depth": 1, "stride": 1}, {"width": 12, "depth": 1, "stride": 2}],
                 "head": {"channels": 16, "dropout": 0.0}},
    "evolve": {"epochs": 4, "batch_size": 8, "population": 5, "supernet_cells": 3, "children": 2, "tournament": 3,
               "top_k": 2, "period": 4, "score_every": 2, "score_batch_size": 6, "checkpoint_every": 1, "log_every": 2}
  })");
  d["run_dir"] = run_dir.string();
  d["data"]["synthetic"]["dir"] = data_dir.string();
  return d;
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void require_same_outcome(const fs::path& a, const fs::path& b) {
  CHECK(read_text(a / "space.json") == read_text(b / "space.json"));
  const io::Checkpoint ca = io::load_checkpoint(a / "checkpoint.safetensors");
  const io::Checkpoint cb = io::load_checkpoint(b / "checkpoint.safetensors");
  CHECK(ca.state.dump() == cb.state.dump());
  // The same records, each once: a killed run's records after its last checkpoint are cut
  // on resume. (The figures of the first interval after a resume cover only its part.)
  const auto records = [](const fs::path& run) {
    std::vector<std::pair<std::int64_t, std::string>> out;
    std::ifstream in(run / "metrics.jsonl");
    for (std::string line; std::getline(in, line);) {
      const nas::Json j = nas::Json::parse(line);
      out.emplace_back(j.at("step").get<std::int64_t>(), j.value("event", ""));
    }
    return out;
  };
  CHECK(records(a) == records(b));
  std::map<std::string, Tensor> theirs(cb.model.begin(), cb.model.end());
  REQUIRE(ca.model.size() == cb.model.size());
  for (const auto& [name, t] : ca.model) {
    INFO(name);
    REQUIRE(theirs.count(name));
    CHECK(std::memcmp(t.raw_data(), theirs[name].raw_data(), t.nbytes()) == 0);
  }
}

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("autospace-evolve-" + std::to_string(::getpid()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
};

}  // namespace

TEST_CASE("evolve: a stopped and resumed run equals an uninterrupted one", "[evolve]") {
  TempDir tmp;
  const auto straight = apps::run_evolve(apps::parse_evolve_settings(description(tmp.path / "a", tmp.path / "data")));
  CHECK(straight.complete);
  for (const char* f : {"space.json", "space.svg", "fitness.svg", "metrics.jsonl", "config.json", "evolve-summary.json"})
    CHECK(fs::exists(tmp.path / "a" / f));

  const auto settings = apps::parse_evolve_settings(description(tmp.path / "b", tmp.path / "data"));
  const auto first = apps::run_evolve(settings, 5);  // stops at step 5, mid-period
  CHECK_FALSE(first.complete);
  CHECK(first.steps == 5);
  CHECK(apps::run_evolve(settings).complete);
  require_same_outcome(tmp.path / "a", tmp.path / "b");

  nas::Json changed = description(tmp.path / "b", tmp.path / "data");
  changed["evolve"]["period"] = 5;
  CHECK_THROWS_WITH(apps::run_evolve(apps::parse_evolve_settings(changed)), Catch::Contains("evolve.period"));
}

namespace {

// Runs the binary on a fresh directory, sends it `signal` once it has logged two records,
// checks the outcome the signal should have with `check_status` (false: skip, it finished
// first), then resumes in-process and compares with an uninterrupted run.
void interrupt_and_resume(int signal, const std::function<bool(int)>& check_status) {
  TempDir tmp;
  CHECK(apps::run_evolve(apps::parse_evolve_settings(description(tmp.path / "a", tmp.path / "data"))).complete);
  const fs::path run = tmp.path / "interrupted";
  const fs::path config = tmp.path / "interrupted.json";
  std::ofstream(config) << description(run, tmp.path / "data").dump();
  if (!check_status(test::run_and_signal(AUTOSPACE_EVOLVE_BIN, config, run / "metrics.jsonl", 2, signal))) return;
  REQUIRE(fs::exists(run / "checkpoint.safetensors"));
  CHECK_FALSE(fs::exists(run / "space.json"));
  CHECK(apps::run_evolve(apps::parse_evolve_settings(description(run, tmp.path / "data"))).complete);
  require_same_outcome(tmp.path / "a", run);
}

}  // namespace

TEST_CASE("evolve: a run killed with SIGKILL resumes bit-identically", "[evolve]") {
  // Killed once it has checkpointed a few steps, at an arbitrary point of a later step.
  interrupt_and_resume(SIGKILL, [](int status) {
    REQUIRE(WIFSIGNALED(status));
    return true;
  });
}

TEST_CASE("evolve: SIGTERM writes a checkpoint and exits 130, the run resumes bit-identically", "[evolve]") {
  interrupt_and_resume(SIGTERM, [](int status) {
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      std::puts("AUTOSPACE_SKIP: the run finished before the signal reached it");
      return false;
    }
    REQUIRE(WIFEXITED(status));  // the handler stopped it, the signal did not kill it
    CHECK(WEXITSTATUS(status) == 130);
    return true;
  });
}

TEST_CASE("evolve: a batch larger than its split is an error naming the setting", "[evolve]") {
  TempDir tmp;
  nas::Json d = description(tmp.path / "a", tmp.path / "data");
  d["evolve"]["score_batch_size"] = 10000;
  CHECK_THROWS_WITH(apps::run_evolve(apps::parse_evolve_settings(d)),
                    Catch::StartsWith("evolve.score_batch_size: 10000 is larger than the held-out split ("));
  d = description(tmp.path / "b", tmp.path / "data");
  d["evolve"]["batch_size"] = 10000;
  CHECK_THROWS_WITH(apps::run_evolve(apps::parse_evolve_settings(d)),
                    Catch::StartsWith("evolve.batch_size: 10000 is larger than the training split ("));
}

TEST_CASE("evolve: description errors name the JSON path", "[evolve]") {
  nas::Json d = description("r", "d");
  d["evolve"]["populaton"] = 3;
  CHECK_THROWS_WITH(apps::parse_evolve_settings(d), Catch::Contains("populaton") && Catch::Contains("population"));
  d = description("r", "d");
  d["evolve"]["supernet_cells"] = 9;
  CHECK_THROWS_WITH(apps::parse_evolve_settings(d), Catch::Contains("evolve.supernet_cells"));
  d = description("r", "d");
  d["backbone"]["resolution"] = 32;
  CHECK_THROWS_WITH(apps::parse_evolve_settings(d), Catch::Contains("differs from data.resolution 16"));
  d = description("r", "d");
  d["evolve"]["cap"] = {{"kind", "absolute"}};
  CHECK_THROWS_WITH(apps::parse_evolve_settings(d), Catch::Contains("evolve.cap"));
}
