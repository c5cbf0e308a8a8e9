#include <catch2/catch.hpp>
#include <cstring>
#include <climits>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <unistd.h>

#include "apps/run/command_line.h"
#include "apps/run/data_setup.h"
#include "apps/run/distributed.h"
#include "apps/run/progress.h"
#include "apps/run/run_directory.h"
#include "tests/nas/nas_test_helpers.h"

using namespace autospace;
using namespace autospace::apps;
namespace fs = std::filesystem;

TEST_CASE("overrides (--set) parse JSON values and create nested keys", "[apps]") {
  nas::Json doc = nas::Json::parse(R"({"train": {"epochs": 3, "lr": 0.1}, "name": "x"})");
  apply_override(doc, "train.epochs=5");
  apply_override(doc, "train.schedule.kind=cosine");
  apply_override(doc, "name=\"quoted\"");
  apply_override(doc, "train.flags=[1,2]");
  CHECK(doc["train"]["epochs"] == 5);
  CHECK(doc["train"]["schedule"]["kind"] == "cosine");
  CHECK(doc["name"] == "quoted");
  CHECK(doc["train"]["flags"].size() == 2);
  apply_override(doc, "train.lr=null");  // removes the key
  CHECK_FALSE(doc["train"].contains("lr"));
  apply_override(doc, "train.absent=null");
  CHECK_FALSE(doc["train"].contains("absent"));
  CHECK_THROWS_WITH(apply_override(doc, "noequals"), Catch::Contains("expected key.path=value"));
  CHECK_THROWS_WITH(apply_override(doc, "train..x=1"), Catch::Contains("empty key"));
  CHECK_THROWS_WITH(apply_override(doc, "name.x=1"), Catch::Contains("\"name\" is not an object"));

  const char* argv[] = {"prog", "run.json", "--set", "a=1", "--set=b=2", "--dump"};
  const CommandLine cl = parse_command_line(6, const_cast<char**>(argv), "usage: prog RUN.json");
  CHECK(cl.config == "run.json");
  CHECK(cl.overrides == std::vector<std::string>{"a=1", "b=2"});
  CHECK(cl.flags == std::vector<std::string>{"--dump"});
  const char* none[] = {"prog"};
  CHECK_THROWS_WITH(parse_command_line(1, const_cast<char**>(none), "usage: prog RUN.json"),
                    Catch::Contains("missing the run description"));
}

TEST_CASE("run directory keeps its description, refuses a different one and appends metrics", "[apps]") {
  const test::TempDir tmp;
  const fs::path dir = tmp.path() / "run";
  const nas::Json config = nas::Json::parse(R"({"seed": 1, "train": {"epochs": 2}})");
  {
    RunDirectory run(dir, config);
    run.log({{"step", 1}, {"loss", 2.5}});
    run.log({{"step", 2}, {"loss", 2.0}});
    CHECK_FALSE(run.has_checkpoint());
    CHECK(run.metrics_records() == 2);
  }
  {
    RunDirectory again(dir, config);  // same description: resumes
    again.log({{"step", 3}});
    CHECK(again.metrics_records() == 3);
    // One process per directory: a second one is refused, naming the holder.
    CHECK(test::error_of([&] { RunDirectory(dir, config); }) ==
          dir.string() + ": the run directory is in use by process " + std::to_string(::getpid()) +
              "; wait for that run to end or stop it (one process per run directory)");
  }
  nas::Json changed = config;
  changed["train"]["epochs"] = 3;
  CHECK_THROWS_WITH(RunDirectory(dir, changed), Catch::Contains("first difference at train.epochs"));
  // run_dir's spelling does not matter: this is the directory.
  nas::Json respelled = config;
  respelled["run_dir"] = "./elsewhere/../run";
  CHECK_NOTHROW(RunDirectory(dir, respelled));
  // Where and how it computes may change on resume: the same numbers come out.
  nas::Json elsewhere = config;
  elsewhere["device"] = "auto";
  elsewhere["threads"] = 1;
  elsewhere["precision"] = "bf16";
  elsewhere["conv_backend"] = "autotune";
  elsewhere["cuda_graphs"] = true;
  CHECK_NOTHROW(RunDirectory(dir, elsewhere));
}

TEST_CASE("run directory: a failed start takes a corrected description, stale temporaries go", "[apps]") {
  const test::TempDir tmp;
  const fs::path dir = tmp.path() / "run";
  const nas::Json config = nas::Json::parse(R"({"train": {"epochs": 2}})");
  { RunDirectory failed(dir, config); }  // failed before its first record
  nas::Json corrected = config;
  corrected["train"]["epochs"] = 3;
  {
    RunDirectory run(dir, corrected);
    CHECK(nas::read_json_file(dir / "config.json") == corrected);
    run.log({{"step", 1}});
  }
  CHECK_THROWS_WITH(RunDirectory(dir, config), Catch::Contains("first difference at train.epochs"));
  std::ofstream(dir / ".checkpoint.safetensors.tmp.12345") << "half";
  { RunDirectory run(dir, corrected); }
  CHECK_FALSE(fs::exists(dir / ".checkpoint.safetensors.tmp.12345"));
}

TEST_CASE("run directory: metrics cut back to a checkpoint's record count", "[apps]") {
  const test::TempDir tmp;
  RunDirectory run(tmp.path() / "run", nas::Json::object());
  for (int i = 0; i < 5; ++i) run.log({{"step", i}});
  run.truncate_metrics(7);  // more than there are: nothing to cut
  CHECK(run.metrics_records() == 5);
  run.truncate_metrics(3);
  run.log({{"step", 3}});
  std::ifstream in(tmp.path() / "run" / "metrics.jsonl");
  std::vector<int> steps;
  for (std::string line; std::getline(in, line);) steps.push_back(nas::Json::parse(line).at("step").get<int>());
  CHECK(steps == std::vector<int>{0, 1, 2, 3});
}

TEST_CASE("durations print compactly", "[apps]") {
  CHECK(Progress::format_duration(12.2) == "12s");
  CHECK(Progress::format_duration(245) == "4m05s");
  CHECK(Progress::format_duration(3720) == "1h02m");
}

TEST_CASE("a generated synthetic folder is reused only for the settings it was made with", "[apps][data]") {
  const test::TempDir dir;
  apps::DataSettings s = apps::parse_data_settings(nas::Json::parse(
      R"({"kind": "synthetic", "synthetic": {"classes": 2, "train_per_class": 3, "val_per_class": 2}, "resolution": 8})"));
  s.synthetic_dir = dir / "synthetic";
  CHECK(apps::open_datasets(s).classes == 2);
  CHECK(apps::open_datasets(s).train->size() == 6);  // the same settings: reused
  s.synthetic_train_per_class = 4;
  CHECK_THROWS_WITH(apps::open_datasets(s), Catch::Contains("train_per_class = 3") && Catch::Contains("asks for 4") &&
                                                Catch::Contains((dir / "synthetic").string()));
  s.synthetic_train_per_class = 3;
  s.resolution = 16;
  CHECK_THROWS_WITH(apps::open_datasets(s), Catch::Contains("size = 8"));
}

TEST_CASE("a validation split carved from the training set is seeded, stratified and never trained on", "[apps][data]") {
  const test::TempDir dir;
  apps::DataSettings g = apps::parse_data_settings(nas::Json::parse(
      R"({"kind": "synthetic", "synthetic": {"classes": 2, "train_per_class": 10, "val_per_class": 1}, "resolution": 8})"));
  g.synthetic_dir = dir / "synthetic";
  apps::open_datasets(g);
  const auto carve = [&](const std::string& val) {
    nas::Json j = nas::Json::parse(R"({"kind": "folder", "resolution": 8})");
    j["train"] = (dir / "synthetic" / "train").string();
    j["val"] = nas::Json::parse(val);
    return apps::parse_data_settings(j);
  };
  const auto ids = [](const data::Dataset& d) {
    std::set<std::string> out;
    for (std::size_t i = 0; i < d.size(); ++i) out.insert(d.id(i));
    return out;
  };
  const apps::DataSettings s = carve(R"({"from_train": 0.2, "seed": 3})");
  CHECK(s.val.empty());
  apps::check_data_paths(s);  // no val folder to look for
  const apps::Datasets sets = apps::open_datasets(s);
  REQUIRE(sets.val->size() == 4);
  CHECK(sets.train->size() == 16);
  std::map<std::int64_t, int> per_class;
  for (std::size_t i = 0; i < sets.val->size(); ++i) ++per_class[sets.val->label(i)];
  CHECK(per_class == std::map<std::int64_t, int>{{0, 2}, {1, 2}});
  const std::set<std::string> val = ids(*sets.val), train = ids(*sets.train);
  for (const auto& id : val) CHECK(train.count(id) == 0);
  CHECK(ids(*apps::open_datasets(s).val) == val);                                          // reopened: the same split
  CHECK(ids(*apps::open_datasets(carve(R"({"from_train": 0.2, "seed": 4})")).val) != val);  // another seed, another
  // The searchers' held-out part comes from what is left, whatever the run's seed.
  for (const std::uint64_t seed : {0, 3}) {
    const apps::TrainHoldout parts = apps::split_holdout(sets, s, seed);
    for (const auto& id : ids(*parts.holdout)) CHECK(val.count(id) == 0);
    CHECK(parts.train->size() + parts.holdout->size() == 16);
  }
  // Written out as read, so the run directory's config reopens the same split.
  CHECK(apps::to_json(s)["val"] == nas::Json::parse(R"({"from_train": 0.2, "seed": 3})"));
  CHECK(ids(*apps::open_datasets(apps::parse_data_settings(apps::to_json(s))).val) == val);

  CHECK_THROWS_WITH(carve(R"({"from_train": 0})"), Catch::Contains("data.val.from_train"));
  CHECK_THROWS_WITH(carve(R"({"from_train": 0.1, "sed": 1})"), Catch::Contains("sed"));
  CHECK_THROWS_WITH(carve(R"({"seed": 1})"), Catch::Contains("data.val") && Catch::Contains("from_train"));
  CHECK_THROWS_WITH(apps::open_datasets(carve(R"({"from_train": 0.01})")), Catch::Contains("leaves no validation samples"));
}

TEST_CASE("batches bound for a GPU are written into pinned memory, the same images as ever", "[apps][data]") {
  const test::TempDir dir;
  apps::DataSettings s = apps::parse_data_settings(nas::Json::parse(
      R"({"kind": "synthetic", "synthetic": {"classes": 2, "train_per_class": 4, "val_per_class": 1}, "resolution": 8})"));
  s.synthetic_dir = dir / "synthetic";
  const apps::Datasets sets = apps::open_datasets(s);
  auto to_host = apps::make_loader(sets.train, s, 4, true, 5);
  auto to_gpu = apps::make_loader(sets.train, s, 4, true, 5, 0, 1, Device::cuda());  // no GPU needed to load
  to_host->start_epoch(0);
  to_gpu->start_epoch(0);
  for (int step = 0; step < 2; ++step) {
    const std::optional<data::Batch> a = to_host->next(), b = to_gpu->next();
    REQUIRE(a);
    REQUIRE(b);
    CHECK_FALSE(a->images.is_pinned());
    CHECK(b->images.is_pinned());
    CHECK(b->labels.is_pinned());
    REQUIRE(a->images.nbytes() == b->images.nbytes());
    CHECK(std::memcmp(a->images.raw_data(), b->images.raw_data(), a->images.nbytes()) == 0);
    CHECK(std::memcmp(a->labels.raw_data(), b->labels.raw_data(), a->labels.nbytes()) == 0);
  }
}

TEST_CASE("integer options are checked against their range", "[apps]") {
  CHECK(parse_integer_option("--threads", "4", 0, 4096) == 4);
  CHECK_THROWS_WITH(parse_integer_option("--threads", "-3", 0, 4096),
                    "--threads expects an integer in [0, 4096], got \"-3\"");
  CHECK_THROWS_AS(parse_integer_option("--max-pixels", "-1", 1, 1000), std::invalid_argument);
  CHECK_THROWS_AS(parse_integer_option("--seed", "12x", 0, 10), std::invalid_argument);
  CHECK_THROWS_AS(parse_integer_option("--seed", "99999999999999999999", 0, LLONG_MAX), std::invalid_argument);
}

TEST_CASE("distributed section: gradient compression is read strictly and kept only when on", "[apps]") {
  const auto on = apps::parse_distributed(nas::Json{{"gradient_compression", "bf16"}}, "distributed");
  CHECK(on.compress_bf16);
  CHECK(apps::to_json(on).at("gradient_compression") == "bf16");
  CHECK(apps::parse_distributed(apps::to_json(on), "distributed").compress_bf16);
  const auto off = apps::parse_distributed(nas::Json::object(), "distributed");
  CHECK_FALSE(off.compress_bf16);
  CHECK_FALSE(apps::to_json(off).contains("gradient_compression"));  // old runs' config.json still match
  CHECK_FALSE(apps::parse_distributed(nas::Json{{"gradient_compression", "none"}}, "distributed").compress_bf16);
  CHECK_THROWS_WITH(apps::parse_distributed(nas::Json{{"gradient_compression", "fp8"}}, "distributed"),
                    Catch::Contains("distributed.gradient_compression"));
}
