#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <functional>
#include <limits>
#include <map>

#include "apps/phases/eval/eval_phase.h"
#include "apps/phases/train/train_phase.h"
#include "apps/run/runner.h"
#include "engine/optim/weight_ema.h"
#include "engine/io/weights_file.h"
#include "engine/nn/dropout.h"
#include "engine/ops/cross_entropy.h"
#include "nas/arch_json.h"
#include "nas/cost_model.h"
#include "nas/network/build_network.h"
#include "tests/apps/test_train_eval_support.h"
#include "tests/support/test_support.h"

using namespace autospace;
using namespace autospace::apps;
namespace fs = std::filesystem;

namespace {

std::vector<nas::Json> metrics(const fs::path& run_dir, const std::string& kind) {
  std::vector<nas::Json> out;
  std::ifstream in(run_dir / "metrics.jsonl");
  for (std::string line; std::getline(in, line);) {
    nas::Json record = nas::Json::parse(line);
    if (record.at("kind") == kind) out.push_back(record);
  }
  return out;
}

TrainControl quiet(std::function<bool(std::int64_t)> stop = [](std::int64_t) { return false; }) {
  return {std::move(stop), false};
}

}  // namespace

TEST_CASE("train: a tiny run learns and writes its run directory", "[apps][train]") {
  const test::TempDir dir;
  RunSettings s = test::tiny_settings(dir / "run");
  // Two synthetic classes at 16x16 are hard to generalise in a few steps; without
  // augmentation the training loss falls as the network fits the 96 images.
  s.data.augment = "none";
  s.train.epochs = 6;
  const TrainOutcome outcome = run_training(s, quiet());
  REQUIRE(outcome.completed);
  CHECK(outcome.steps_done == 6 * 6);  // 96 training images, batches of 16

  const auto epochs = metrics(s.run_dir, "epoch");
  REQUIRE(epochs.size() == 6);
  CHECK(epochs.back().at("train_loss").get<double>() < epochs.front().at("train_loss").get<double>() - 0.05);
  CHECK(metrics(s.run_dir, "step").size() == 18);  // every 2 steps
  for (const auto& e : epochs) CHECK(e.contains("val_ema"));

  for (const char* file : {"config.json", "arch.json", "checkpoint.safetensors", "last.safetensors",
                           "last_ema.safetensors", "best.safetensors", "summary.json"})
    CHECK(fs::exists(s.run_dir / file));
  const nas::Json summary = nas::read_json_file(s.run_dir / "summary.json");
  const nas::Cost cost = nas::arch_cost(s.arch).total;
  CHECK(summary.at("madds") == cost.madds);
  CHECK(summary.at("params") == cost.params);
  CHECK(summary == outcome.summary);
  // The best is the highest top-1 of any evaluation, raw or EMA, and best.safetensors says so.
  double highest = 0;
  for (const auto& e : epochs)
    highest = std::max({highest, e.at("val").at("top1").get<double>(), e.at("val_ema").at("top1").get<double>()});
  CHECK(summary.at("best").at("top1").get<double>() == highest);
  const auto metadata = io::read_safetensors(s.run_dir / "best.safetensors").metadata;
  CHECK(metadata.at("format") == io::kWeightsFormat);
  CHECK(nas::Json::parse(metadata.at("top1")).get<double>() == highest);
  CHECK(metadata.at("weights") == summary.at("best").at("weights").get<std::string>());
  CHECK(nas::arch_from_json(nas::Json::parse(metadata.at("arch"))) == s.arch);

  // Started again, a finished run does no more steps and reports the same results.
  const TrainOutcome again = run_training(s, quiet());
  CHECK(again.completed);
  CHECK(again.summary.at("best") == summary.at("best"));
  CHECK(metrics(s.run_dir, "epoch").size() == 6);
}

TEST_CASE("train: bf16 precision on the CPU trains the f32 weights on bf16 activations", "[apps][train]") {
  // The precision is the process's: put fp32 back whatever happens (the next phase's start
  // would, but direct engine calls in later cases would not).
  struct Fp32Again {
    ~Fp32Again() { set_matmul_precision(MatmulPrecision::fp32); }
  } fp32_again;
  const test::TempDir dir;
  std::map<MatmulPrecision, std::vector<nas::Json>> epochs;
  for (MatmulPrecision p : {MatmulPrecision::fp32, MatmulPrecision::bf16}) {
    RunSettings s = test::tiny_settings(dir / matmul_precision_names().at(static_cast<std::size_t>(p)));
    s.data.augment = "none";
    s.train.epochs = 6;
    s.precision = p;
    REQUIRE(run_training(s, quiet()).completed);
    epochs[p] = metrics(s.run_dir, "epoch");
    REQUIRE(epochs[p].size() == 6);
  }
  const auto& bf16 = epochs[MatmulPrecision::bf16];
  CHECK(bf16.back().at("train_loss").get<double>() < bf16.front().at("train_loss").get<double>() - 0.05);
  // Another rounding, another trajectory, the same learning.
  CHECK_FALSE(test::same_tensors(dir / "bf16" / "last.safetensors", dir / "fp32" / "last.safetensors"));
  CHECK(std::abs(bf16.back().at("train_loss").get<double>() -
                 epochs[MatmulPrecision::fp32].back().at("train_loss").get<double>()) < 0.1);
  for (const auto& [name, t] : io::read_safetensors(dir / "bf16" / "last.safetensors").tensors) CHECK(t.dtype() == DType::f32);
}

TEST_CASE("train: stopping mid-epoch and resuming gives bit-identical weights", "[apps][train]") {
  const test::TempDir dir;
  const RunSettings straight = test::tiny_settings(dir / "straight"), stopped = test::tiny_settings(dir / "stopped");
  REQUIRE(run_training(straight, quiet()).completed);

  // Stops inside epoch 1 (step 5 of 6, after the checkpoint at step 4) and inside epoch 2
  // right after a periodic checkpoint; each resume continues from the stop's checkpoint.
  const TrainOutcome first = run_training(stopped, quiet([](std::int64_t done) { return done == 5; }));
  CHECK_FALSE(first.completed);
  CHECK(first.steps_done == 5);
  CHECK_FALSE(fs::exists(stopped.run_dir / "last.safetensors"));
  const TrainOutcome second = run_training(stopped, quiet([](std::int64_t done) { return done == 8; }));
  CHECK_FALSE(second.completed);
  CHECK(second.steps_done == 8);
  const TrainOutcome last = run_training(stopped, quiet());
  REQUIRE(last.completed);

  for (const char* file : {"last.safetensors", "last_ema.safetensors", "best.safetensors"}) {
    INFO(file);
    CHECK(test::same_tensors(straight.run_dir / file, stopped.run_dir / file));
  }
  const auto a = metrics(straight.run_dir, "epoch"), b = metrics(stopped.run_dir, "epoch");
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].at("train_loss") == b[i].at("train_loss"));
    CHECK(a[i].at("val") == b[i].at("val"));
    CHECK(a[i].at("val_ema") == b[i].at("val_ema"));
  }
}

TEST_CASE("train: a stop right after an epoch's last step resumes with that epoch's evaluation", "[apps][train]") {
  const test::TempDir dir;
  RunSettings straight = test::tiny_settings(dir / "straight"), stopped = test::tiny_settings(dir / "stopped");
  straight.train.epochs = stopped.train.epochs = 2;
  straight.train.ema_decay = stopped.train.ema_decay = 0;
  REQUIRE(run_training(straight, quiet()).completed);
  CHECK_FALSE(run_training(stopped, quiet([](std::int64_t done) { return done == 6; })).completed);
  CHECK(metrics(stopped.run_dir, "epoch").empty());
  REQUIRE(run_training(stopped, quiet()).completed);
  CHECK(metrics(stopped.run_dir, "epoch").size() == 2);
  CHECK(test::same_tensors(straight.run_dir / "last.safetensors", stopped.run_dir / "last.safetensors"));
}

TEST_CASE("train: a run directory refuses another description and another architecture", "[apps][train]") {
  const test::TempDir dir;
  RunSettings s = test::tiny_settings(dir / "run");
  CHECK_FALSE(run_training(s, quiet([](std::int64_t done) { return done == 2; })).completed);
  RunSettings changed = s;
  changed.train.lr = 0.2;
  CHECK_THROWS_WITH(run_training(changed, quiet()), Catch::Contains("first difference at train.lr"));
  // The same description over an arch file whose contents changed since.
  nas::save_arch(dir / "arch.json", s.arch);
  nas::Json with_file = test::tiny_description(dir / "file-run");
  with_file["arch"] = (dir / "arch.json").string();
  CHECK_FALSE(run_training(parse_run_settings(with_file), quiet([](std::int64_t done) { return done == 2; })).completed);
  nas::Arch wider = s.arch;
  wider.net.head.channels = 40;
  nas::save_arch(dir / "arch.json", wider);
  CHECK_THROWS_WITH(run_training(parse_run_settings(with_file), quiet()),
                    Catch::Contains("arch.json: its contents changed since this run started"));
  // A run started before inputs.json existed: the checkpoint's own record of the arch.
  fs::remove(dir / "file-run" / "inputs.json");
  CHECK_THROWS_WITH(run_training(parse_run_settings(with_file), quiet()), Catch::Contains("another architecture"));
}

TEST_CASE("train: the description is read strictly and errors name the file and JSON path", "[apps][train]") {
  const test::TempDir dir;
  const auto error = [&](const std::function<void(nas::Json&)>& edit) {
    nas::Json d = test::tiny_description(dir / "run");
    edit(d);
    return test::error_of([&] { parse_run_settings(d); });
  };
  CHECK(error([](nas::Json& d) { d["train"]["epoch"] = 3; }) ==
        "train.epoch: unknown key \"epoch\" (did you mean \"epochs\"?)");
  CHECK(error([](nas::Json& d) { d["trian"] = nas::Json::object(); }) ==
        "trian: unknown key \"trian\" (did you mean \"train\"?)");
  CHECK(error([](nas::Json& d) { d["train"]["batch_size"] = "16"; }) ==
        "train.batch_size: expected an integer, got string \"16\"");
  CHECK(error([](nas::Json& d) { d["train"]["momentum"] = 1.5; }) ==
        "train.momentum: 1.5 is out of range: expected a number in [0, 1)");
  CHECK(error([](nas::Json& d) { d["train"]["final_lr"] = 0.5; }) ==
        "train.final_lr: 0.5 is out of range: expected a number in [0, 0.1]");
  CHECK(error([](nas::Json& d) { d["eval"]["latency"]["batch_sizes"] = {1, 0}; }) ==
        "eval.latency.batch_sizes[1]: 0 is out of range: expected an integer in [1, 1048576]");
  CHECK(error([](nas::Json& d) { d["data"]["augment"] = "cifra"; }) ==
        "data.augment: \"cifra\" is not one of \"cifar\", \"imagenet\", \"none\" (did you mean \"cifar\"?)");
  CHECK(error([](nas::Json& d) { d.erase("run_dir"); }) == "(top level): missing key \"run_dir\"");
  CHECK(error([](nas::Json& d) { d["arch"]["layers"][0]["block"]["expansoin"] = 2; }) ==
        "arch.layers[0].block.expansoin: unknown key \"expansoin\" (did you mean \"expansion\"?)");
  CHECK(error([](nas::Json& d) { d["arch"].erase("classes"); }) == "arch: missing key \"classes\"");
  CHECK(error([](nas::Json& d) { d["train"]["init_weights"] = "nowhere.safetensors"; }) ==
        "train.init_weights: nowhere.safetensors: no such file");

  // The resolved description (defaults written out) is itself a valid description.
  const nas::Json resolved = to_json(test::tiny_settings(dir / "run"));
  CHECK(to_json(parse_run_settings(resolved)) == resolved);
  CHECK(resolved.at("train").at("nesterov") == true);
  CHECK(resolved.at("eval").at("latency").at("runs") == 3);

  // From a file with --set overrides: the file name comes first.
  const fs::path file = dir / "run.json";
  nas::write_json_file(file, test::tiny_description(dir / "run"));
  CHECK(load_run_settings(file, {"train.epochs=5"}).train.epochs == 5);
  CHECK(test::error_of([&] { load_run_settings(file, {"train.epochs=0"}); }) ==
        file.string() + ": train.epochs: 0 is out of range: expected an integer in [1, 100000]");
  CHECK(test::error_of([&] { load_run_settings(file, {"arch=missing.json"}); })
            .find("missing.json: cannot open for reading") != std::string::npos);

  // Checks that need the data or the device name their key too.
  nas::Json d = test::tiny_description(dir / "run");
  d["data"]["resolution"] = 24;
  CHECK(test::error_of([&] { run_training(parse_run_settings(d), quiet()); })
            .starts_with("data.resolution: 24 differs from the resolution of the inline arch (16)"));
  d = test::tiny_description(dir / "run2");
  d["train"]["batch_size"] = 1000;
  CHECK(test::error_of([&] { run_training(parse_run_settings(d), quiet()); })
            .starts_with("train.batch_size: 1000 is larger than the training set (96 images)"));
  d = test::tiny_description(dir / "run3");
  d["device"] = "gpu";
  CHECK(test::error_of([&] { run_training(parse_run_settings(d), quiet()); }).starts_with("device: device \"gpu\""));
}

TEST_CASE("train: the shipped configs parse", "[apps][train]") {
  for (const char* name : {"quick-synthetic.json", "cifar10-small-mobilenetv2.json"}) {
    INFO(name);
    const fs::path file = fs::path(AUTOSPACE_SOURCE_DIR) / "configs" / "train" / name;
    const fs::path cwd = fs::current_path();
    fs::current_path(AUTOSPACE_SOURCE_DIR);  // their paths are relative to the checkout
    RunSettings s;
    CHECK_NOTHROW(s = load_run_settings(file, {}));
    fs::current_path(cwd);
    CHECK(s.arch.net.resolution == s.data.resolution);
  }
}

TEST_CASE("weight EMA moves the shadow towards the model by 1 - decay", "[engine][train]") {
  const nas::Arch arch = nas::arch_from_json(test::tiny_arch_json());
  auto model = nas::build_network(arch, 1);
  optim::WeightEma ema(nas::build_network(arch, 2), *model, 0.75);
  std::vector<std::vector<float>> shadow_before;
  const auto initial = nn::state_of(*model);
  for (const auto& [name, t] : nn::state_of(ema.shadow())) shadow_before.push_back(t.to_vector());
  for (std::size_t i = 0; i < initial.size(); ++i) REQUIRE(shadow_before[i] == initial[i].second.to_vector());
  nn::load_state(*model, nn::state_of(*nas::build_network(arch, 3)), "other weights");
  ema.update(*model);
  const auto shadow = nn::state_of(ema.shadow()), current = nn::state_of(*model);
  for (std::size_t i = 0; i < shadow.size(); ++i) {
    INFO(shadow[i].first);
    const auto s = shadow[i].second.to_vector(), m = current[i].second.to_vector();
    for (std::size_t k = 0; k < s.size(); ++k)
      REQUIRE(s[k] == Approx(0.75 * shadow_before[i][k] + 0.25 * m[k]).margin(1e-6));
  }
}

TEST_CASE("eval: reproduces the trainer's accuracy and reports cost and latency", "[apps][eval]") {
  const test::TempDir dir;
  RunSettings s = test::tiny_settings(dir / "run");
  s.train.ema_decay = 0;  // best.safetensors then holds the raw weights of the best epoch
  REQUIRE(run_training(s, quiet()).completed);
  const nas::Json summary = nas::read_json_file(s.run_dir / "summary.json");

  const nas::Json report = run_evaluation(s, {{}, false});
  CHECK(report.at("top1") == summary.at("best").at("top1"));
  CHECK(report.at("top5") == summary.at("best").at("top5"));
  CHECK(report.at("loss").get<double>() == Approx(summary.at("best").at("loss").get<double>()).epsilon(1e-6));
  CHECK(report.at("images") == 32);
  CHECK(report.at("madds") == summary.at("madds"));
  CHECK(report.at("params") == summary.at("params"));
  REQUIRE(report.at("latency").size() == 2);
  CHECK(report.at("latency")[1].at("batch_size") == 4);
  CHECK(report.at("latency")[1].at("median_ms").get<double>() > 0);
  CHECK(nas::read_json_file(s.run_dir / "eval.json") == report);

  // Other weights through eval.weights; BN recalibration re-estimates the statistics from
  // training batches (so the loss changes), the same way every time.
  s.eval.weights = s.run_dir / "last.safetensors";
  s.eval.output = dir / "last.json";
  s.eval.latency.runs = 0;
  const nas::Json plain = run_evaluation(s, {{}, false});
  CHECK(plain.at("latency").empty());
  CHECK(plain.at("weights_metadata").at("epoch") == "3");
  s.eval.bn_recalibration_batches = 3;
  const nas::Json recalibrated = run_evaluation(s, {{}, false});
  CHECK(recalibrated.at("bn_recalibration_batches") == 3);
  CHECK(recalibrated.at("loss") != plain.at("loss"));
  CHECK(run_evaluation(s, {{}, false}).at("loss") == recalibrated.at("loss"));
  CHECK(nas::read_json_file(dir / "last.json").at("bn_recalibration_batches") == 3);
}

TEST_CASE("eval: the dump holds one training step that a fresh backward reproduces", "[apps][eval]") {
  const test::TempDir dir;
  RunSettings s = test::tiny_settings(dir / "run");
  s.train.epochs = 1;
  REQUIRE(run_training(s, quiet()).completed);
  s.eval.latency.runs = 0;
  s.eval.dump_batch_size = 6;
  const fs::path dump = dir / "dump";
  const nas::Json report = run_evaluation(s, {dump, false});

  const nas::Json description = nas::read_json_file(dump / "dump.json");
  CHECK(description.at("images") == 6);
  CHECK(description.at("val_indices") == nas::Json({0, 5, 10, 16, 21, 26}));
  const nas::Arch arch = nas::load_arch(dump / "arch.json");
  CHECK(arch == s.arch);
  const auto input = io::read_safetensors(dump / "input.safetensors");
  const auto outputs = io::read_safetensors(dump / "outputs.safetensors");
  const auto grads = io::read_safetensors(dump / "grads.safetensors");
  CHECK(input.at("input").shape() == Shape{6, 16, 16, 3});
  CHECK(input.at("labels").dtype() == DType::i64);
  CHECK(outputs.at("logits").shape() == Shape{6, 2});
  CHECK(outputs.at("loss").item() == Approx(description.at("loss").get<double>()));
  CHECK(report.at("dump").at("loss") == description.at("loss"));

  // A fresh network with the dumped weights, one training-mode step on the dumped batch.
  auto model = nas::build_network(arch, 99);
  io::load_weights(dump / "weights.safetensors", *model);
  nn::train_without_dropout(*model);
  const Tensor logits = model->forward(input.at("input"));
  const Tensor loss = ops::softmax_cross_entropy(logits, input.at("labels"),
                                                 description.at("label_smoothing").get<float>());
  loss.backward();
  CHECK(logits.to_vector() == outputs.at("logits").to_vector());
  CHECK(loss.item() == outputs.at("loss").item());
  const auto params = model->named_parameters();
  REQUIRE(grads.tensors.size() == params.size());
  for (const auto& [name, p] : params) {
    INFO(name);
    CHECK(p.grad().to_vector() == grads.at(name).to_vector());
  }
}

TEST_CASE("train: the CIFAR-10 MobileNetV2 config trains on cifar10-small", "[apps][train][slow]") {
  const fs::path data = test::shared_data_dir() / "cifar10-small";
  if (!fs::exists(data)) AUTOSPACE_SKIP_TEST("no cifar10-small under " + test::shared_data_dir().string());
  const test::TempDir dir;
  // The config names its arch file relative to the repository, as a user runs it; the
  // training reads it when it starts, so the whole run happens from there.
  struct WorkingDirectory {
    fs::path before = fs::current_path();
    ~WorkingDirectory() { fs::current_path(before); }
  } restore;
  fs::current_path(AUTOSPACE_SOURCE_DIR);
  RunSettings s = load_run_settings("configs/train/cifar10-small-mobilenetv2.json",
                                    {"run_dir=" + (dir / "run").string(), "data.train=" + (data / "train").string(),
                                     "data.val=" + (data / "test").string()});
  const TrainOutcome outcome = run_training(s, quiet([](std::int64_t done) { return done == 3; }));
  CHECK(outcome.steps_done == 3);
  CHECK(fs::exists(s.run_dir / "checkpoint.safetensors"));
}

namespace {
// Evaluates the tiny network after `poison` has changed it: a diverged network scores 0%,
// is reported as not finite and the evaluation exits 5.
void check_diverged_evaluation(const std::function<void(nn::Module&)>& poison) {
  const test::TempDir dir;
  RunSettings s = test::tiny_settings(dir / "run");
  auto model = nas::build_network(s.arch, 1);
  poison(*model);
  s.eval.weights = dir / "diverged.safetensors";
  s.eval.latency.runs = 0;
  io::save_weights(s.eval.weights, *model, {{"arch_name", s.arch.name}});
  const std::unique_ptr<Phase> eval = make_eval_phase(s, {.print = false});
  REQUIRE(run_phase(*eval, {.print = false}));
  CHECK(eval->exit_status() == 5);
  const nas::Json report = nas::read_json_file(s.eval_output());
  CHECK(report.at("top1") == 0.0);
  CHECK(report.at("nonfinite_images") == report.at("images"));
  CHECK(report.at("loss").is_null());  // NaN: JSON has none
}
}  // namespace

TEST_CASE("eval: diverged weights score 0%, are reported as not finite and exit 5", "[apps][eval]") {
  check_diverged_evaluation([](nn::Module& model) {
    model.named_parameters().back().second.data<float>()[0] = std::nanf("");  // the classifier: every row NaN
  });
}

// An infinite BN variance in the head: unfolded, the channel's output is (x - mean) * 0,
// folded it is a zero weight, and either way the logits can be finite. The network has
// diverged all the same, so it scores nothing.
TEST_CASE("eval: an infinite BN statistic scores 0% as not finite and exits 5", "[apps][eval]") {
  check_diverged_evaluation([](nn::Module& model) {
    bool poisoned = false;
    for (auto& [name, t] : model.named_buffers())
      if (name == "head.bn.running_var") {
        t.data<float>()[0] = std::numeric_limits<float>::infinity();
        poisoned = true;
      }
    REQUIRE(poisoned);
  });
}

TEST_CASE("train: a diverged run keeps no non-finite best, says so (exit 5) and resumes", "[apps][train]") {
  const test::TempDir dir;
  RunSettings s = test::tiny_settings(dir / "run");
  s.train.epochs = 2;
  s.train.lr = 1e20;  // the first steps blow the weights up, the rest are non-finite and skipped
  s.train.warmup_epochs = 0;
  s.train.max_nonfinite = 100000;
  const std::unique_ptr<Phase> train = make_train_phase(s);
  REQUIRE(run_phase(*train, {.print = false}));
  CHECK(train->exit_status() == 5);
  const nas::Json summary = nas::read_json_file(dir / "run" / "summary.json");
  CHECK(summary.at("best").is_null());
  CHECK(summary.at("nonfinite_skipped").get<std::int64_t>() > 0);
  CHECK(summary.at("last").at("top1") == 0.0);  // NaN logits never count as correct
  CHECK(summary.at("last").at("nonfinite") == summary.at("last").at("images"));
  CHECK_FALSE(fs::exists(dir / "run" / "best.safetensors"));
  // The null losses read back: a second start finds the run finished.
  const std::unique_ptr<Phase> again = make_train_phase(s);
  CHECK(run_phase(*again, {.print = false}));
  CHECK(again->exit_status() == 5);
}

TEST_CASE("train: too many non-finite steps in a row abort at the next read, naming the checkpoint", "[apps][train]") {
  // The guard judges on the device and is read at log lines: the abort comes at the first
  // read after the limit was passed, with the way to continue.
  const test::TempDir dir;
  RunSettings s = test::tiny_settings(dir / "run");
  s.train.lr = 1e20;
  s.train.warmup_epochs = 0;
  s.train.max_nonfinite = 2;
  s.train.log_every_steps = 4;
  const std::string error = test::error_of([&] { run_training(s, quiet()); });
  CHECK(error.find("steps in a row had a non-finite loss or gradient (limit 2") != std::string::npos);
  CHECK(error.find("checkpoint.safetensors") != std::string::npos);
  CHECK(error.find("train.init_weights") != std::string::npos);
}

TEST_CASE("train: train.init_weights starts from another run's checkpoint or weights file", "[apps][train]") {
  const test::TempDir dir;
  RunSettings first = test::tiny_settings(dir / "first");
  first.data.augment = "none";
  first.train.epochs = 6;
  REQUIRE(run_training(first, quiet()).completed);
  const double untrained = metrics(first.run_dir, "epoch").front().at("train_loss").get<double>();

  // A checkpoint stands for the weights file it holds: the final checkpoint and
  // last.safetensors hold the same network.
  auto from_checkpoint = nas::build_network(first.arch, 7), from_weights = nas::build_network(first.arch, 8);
  CHECK(io::load_weights(first.run_dir / "checkpoint.safetensors", *from_checkpoint).empty());
  io::load_weights(first.run_dir / "last.safetensors", *from_weights);
  const auto a = nn::state_of(*from_checkpoint), b = nn::state_of(*from_weights);
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(test::to_double(a[i].second) == test::to_double(b[i].second));

  // A second run from the first's checkpoint starts where the first ended, not afresh.
  RunSettings second = test::tiny_settings(dir / "second");
  second.data.augment = "none";
  second.train.epochs = 1;
  second.train.init_weights = first.run_dir / "checkpoint.safetensors";
  REQUIRE(run_training(second, quiet()).completed);
  CHECK(metrics(second.run_dir, "epoch").front().at("train_loss").get<double>() < untrained - 0.05);
  CHECK(nas::read_json_file(second.run_dir / "inputs.json").size() == 1);  // the weights file is an input

  // Weights of another architecture are refused by name.
  RunSettings other = test::tiny_settings(dir / "other");
  other.arch.layers.pop_back();
  other.train.init_weights = first.run_dir / "last.safetensors";
  CHECK(test::error_of([&] { run_training(other, quiet()); }).find("last.safetensors") != std::string::npos);
}

TEST_CASE("train and eval count the unreadable images they skipped", "[apps][train][eval]") {
  const test::TempDir dir;
  // The tiny synthetic set as an ImageFolder tree, one training and one validation file
  // replaced by bytes that are no JPEG.
  RunSettings s = test::tiny_settings(dir / "run");
  open_datasets(s.data);  // generates the synthetic set once
  fs::copy(s.data.synthetic_dir, dir / "images", fs::copy_options::recursive);
  const auto first_file = [](const fs::path& split) {
    for (const auto& e : fs::recursive_directory_iterator(split))
      if (e.is_regular_file() && e.path().extension() == ".jpg") return e.path();
    return fs::path();
  };
  std::ofstream(first_file(dir / "images" / "train"), std::ios::trunc) << "not a jpeg";
  std::ofstream(first_file(dir / "images" / "val"), std::ios::trunc) << "not a jpeg";
  nas::Json d = test::tiny_description(dir / "run");
  d["data"] = {{"kind", "folder"}, {"train", (dir / "images" / "train").string()},
               {"val", (dir / "images" / "val").string()}, {"resolution", 16}, {"threads", 1}};
  d["train"]["epochs"] = 1;
  d["eval"]["latency"]["runs"] = 0;
  s = parse_run_settings(d);
  const TrainOutcome trained = run_training(s, quiet());
  REQUIRE(trained.completed);
  // 96 training images in batches of 16: every file is read once per epoch.
  CHECK(trained.summary.at("bad_images_skipped") == 1);
  CHECK(trained.summary.at("last").at("skipped") == 1);
  CHECK(trained.summary.at("last").at("images") == 31);
  const nas::Json report = run_evaluation(s, {.print = false});
  CHECK(report.at("skipped_images") == 1);
  CHECK(report.at("images") == 31);
}
