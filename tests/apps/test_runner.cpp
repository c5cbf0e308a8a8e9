// The phase runner on a toy phase: what it guarantees every phase (apps/run/runner.h).
#include <catch2/catch.hpp>
#include <filesystem>

#include "apps/run/phase_main.h"
#include "apps/run/runner.h"
#include "engine/nn/graphed_forward.h"
#include "tests/apps/test_train_eval_support.h"

using namespace autospace;
using namespace autospace::apps;
namespace fs = std::filesystem;

namespace {

// Counts `total` units; asks for a checkpoint every `checkpoint_every`; unit 3 is "non-finite".
class CountingPhase final : public Phase {
 public:
  CountingPhase(RunBasics basics, std::int64_t total, std::int64_t checkpoint_every = 0)
      : basics_(std::move(basics)), total_(total), checkpoint_every_(checkpoint_every) {}

  PhaseSetup setup() const override {
    PhaseSetup p{"count", &basics_};
    p.resolved = nas::Json{{"total", total_}};
    p.classes = classes;
    p.classes_owner = "the toy";
    p.inputs = inputs;
    return p;
  }
  void build(PhaseContext& c, const std::optional<io::Checkpoint>& resume) override {
    device = c.device;
    resumed_from = resume ? resume->state.at("done").get<std::int64_t>() : -1;
    done_ = resumed_from > 0 ? resumed_from : 0;
  }
  io::Checkpoint checkpoint() const override { return {{}, {}, {{"done", done_}}}; }
  bool done() const override { return done_ == total_; }
  std::int64_t total_steps() const override { return total_; }
  PhaseCounters counters() const override { return {done_, 0}; }
  std::string position() const override { return "unit " + std::to_string(done_); }
  UnitReport next(PhaseContext&) override {
    ++done_;
    ++units_run;
    return {.step = true, .items = 1, .checkpoint = checkpoint_every_ > 0 && done_ % checkpoint_every_ == 0,
            .nonfinite = done_ == 3 ? "loss" : ""};
  }
  void finish(PhaseContext& c) override {
    ++finished;
    c.log({{"finished_at", done_}});
  }

  int classes = 0;
  std::vector<fs::path> inputs;
  Device device;
  std::int64_t resumed_from = -2, units_run = 0;
  int finished = 0;

 private:
  RunBasics basics_;
  std::int64_t total_, checkpoint_every_, done_ = 0;
};

RunBasics basics(const fs::path& run_dir, const std::string& device = "cpu") {
  RunBasics b;
  b.run_dir = run_dir;
  b.device = device;
  b.threads = 1;
  b.data = parse_data_settings(test::tiny_description(run_dir)["data"]);
  return b;
}

RunControl quiet_stop_at(std::int64_t units) {
  return {[=](const PhaseCounters& c) { return c.steps >= units; }, false};
}

}  // namespace

TEST_CASE("runner: units run to the end, outputs once, a stop checkpoints and a rerun resumes there", "[apps][runner]") {
  const test::TempDir dir;
  CountingPhase straight(basics(dir / "straight"), 6);
  CHECK(run_phase(straight, {{}, false}));
  CHECK(straight.resumed_from == -1);  // a fresh start
  CHECK(straight.units_run == 6);
  CHECK(straight.finished == 1);
  CHECK(fs::exists(dir / "straight" / "config.json"));
  // No unit asked for a checkpoint, the runner wrote the finished state itself.
  CHECK(io::load_checkpoint(dir / "straight" / "checkpoint.safetensors").state.at("done") == 6);

  CountingPhase first(basics(dir / "run"), 6);
  CHECK_FALSE(run_phase(first, quiet_stop_at(4)));
  CHECK(first.units_run == 4);
  CHECK(first.finished == 0);
  REQUIRE(fs::exists(dir / "run" / "checkpoint.safetensors"));  // the stop wrote one
  CHECK(io::load_checkpoint(dir / "run" / "checkpoint.safetensors").state.at("done") == 4);

  CountingPhase second(basics(dir / "run"), 6);
  CHECK(run_phase(second, {{}, false}));
  CHECK(second.resumed_from == 4);
  CHECK(second.units_run == 2);
  CHECK(second.finished == 1);

  // Finished before: no unit runs, the outputs are written again.
  CountingPhase third(basics(dir / "run"), 6);
  CHECK(run_phase(third, {{}, false}));
  CHECK(third.units_run == 0);
  CHECK(third.finished == 1);

  // Another description for the same directory is refused, naming the difference.
  CountingPhase other(basics(dir / "run"), 7);
  CHECK_THROWS_WITH(run_phase(other, {{}, false}), Catch::Contains("first difference at total"));
}

TEST_CASE("runner: a checkpoint whose state the phase cannot read is named", "[apps][runner]") {
  const test::TempDir dir;
  CountingPhase first(basics(dir / "run"), 6);
  CHECK_FALSE(run_phase(first, quiet_stop_at(2)));
  const fs::path checkpoint = dir / "run" / "checkpoint.safetensors";
  io::save_checkpoint(checkpoint, {{}, {}, {{"done", "two"}}});  // the JSON library's type_error
  CountingPhase second(basics(dir / "run"), 6);
  CHECK_THROWS_WITH(run_phase(second, {{}, false}),
                    Catch::StartsWith(checkpoint.string() + ": cannot resume from this checkpoint's state (") &&
                        Catch::Contains("type must be number"));
}

TEST_CASE("runner: the checkpoints a unit asks for are written", "[apps][runner]") {
  const test::TempDir dir;
  CountingPhase phase(basics(dir / "run"), 5, 2);
  const fs::path file = dir / "run" / "checkpoint.safetensors";
  std::vector<std::int64_t> on_disk;  // before each unit
  CHECK(run_phase(phase, {[&](const PhaseCounters&) {
                            on_disk.push_back(fs::exists(file) ? io::load_checkpoint(file).state.at("done").get<std::int64_t>() : -1);
                            return false;
                          },
                          false}));
  CHECK(on_disk == std::vector<std::int64_t>{-1, -1, 2, 2, 4});
}

TEST_CASE("runner: an input file whose contents changed since the run started is refused", "[apps][runner]") {
  const test::TempDir dir;
  const fs::path space = dir / "space.json";
  nas::write_json_file(space, {{"layers", {1, 2}}});
  CountingPhase first(basics(dir / "run"), 6);
  first.inputs = {space};
  CHECK_FALSE(run_phase(first, quiet_stop_at(2)));
  CountingPhase same(basics(dir / "run"), 6);
  same.inputs = {space};
  CHECK_FALSE(run_phase(same, quiet_stop_at(3)));  // unchanged: resumes
  nas::write_json_file(space, {{"layers", {2, 1}}});
  CountingPhase changed(basics(dir / "run"), 6);
  changed.inputs = {space};
  CHECK(test::error_of([&] { run_phase(changed, {{}, false}); })
            .starts_with(space.string() + ": its contents changed since this run started"));
}

TEST_CASE("runner: one device rule and the class check for every phase", "[apps][runner]") {
  const test::TempDir dir;
  CountingPhase gpu(basics(dir / "a", "cuda"), 1);
  CountingPhase automatic(basics(dir / "b", "auto"), 1);
  CHECK(run_phase(automatic, {{}, false}));
  if (cuda_device_count() == 0) {
    CHECK(test::error_of([&] { run_phase(gpu, {{}, false}); }) ==
          "device: device \"cuda\" requested but only 0 usable GPU(s) are present");
    CHECK(automatic.device.is_cpu());
  } else {
    CHECK(run_phase(gpu, {{}, false}));
    CHECK(gpu.device == Device::cuda(0));
    CHECK(automatic.device == Device::cuda(0));
  }
  CountingPhase unknown(basics(dir / "c", "gpu"), 1);
  CHECK(test::error_of([&] { run_phase(unknown, {{}, false}); }).starts_with("device: "));

  CountingPhase classes(basics(dir / "d"), 1);
  classes.classes = 5;
  CHECK(test::error_of([&] { run_phase(classes, {{}, false}); }) ==
        "data: the dataset has 2 classes but the toy classifies 5");
}

TEST_CASE("runner: tf32 is refused on the CPU, bf16 there means bf16 activations, precision and conv_backend are read strictly",
          "[apps][runner]") {
  const test::TempDir dir;
  RunBasics b = basics(dir / "a");
  b.precision = MatmulPrecision::tf32;
  CountingPhase tf32(b, 1);
  CHECK(test::error_of([&] { run_phase(tf32, {{}, false}); }) ==
        "precision: \"tf32\": count runs on cpu, which has no tf32 arithmetic; tf32 applies to CUDA devices (bf16 "
        "runs on both)");
  b.precision = MatmulPrecision::bf16;
  CountingPhase bf16(b, 1);
  CHECK(run_phase(bf16, {{}, false}));
  CHECK(activation_dtype() == DType::bf16);
  // The setting is the process's: the next phase's start sets it again.
  b.precision = MatmulPrecision::fp32;
  CountingPhase fp32(b, 1);
  CHECK(run_phase(fp32, {{}, false}));
  CHECK(activation_dtype() == DType::f32);

  // Read from a description: a value outside the three is named with them; fp32, the
  // default, is left out of the resolved description (older run directories resume).
  RunBasics read;
  const auto parse = [&](const nas::Json& d) {
    parse_run_basics(nas::ObjectReader(d, "", with_run_basics_keys({})), std::filesystem::path("r"), read);
  };
  CHECK(test::error_of([&] { parse({{"precision", "fp16"}}); }).starts_with("precision: "));
  CHECK(test::error_of([&] { parse({{"precision", "fp16"}}); }).find("bf16") != std::string::npos);
  parse({{"precision", "tf32"}});
  CHECK(read.precision == MatmulPrecision::tf32);
  nas::Json written;
  write_run_basics(read, written);
  CHECK(written["precision"] == "tf32");
  read = RunBasics{};
  parse(nas::Json::object());
  written = nas::Json::object();
  write_run_basics(read, written);
  CHECK_FALSE(written.contains("precision"));

  // conv_backend likewise: one of three, native (the default) left out; a CPU run ignores
  // the others.
  CHECK(test::error_of([&] { parse({{"conv_backend", "fastest"}}); }).starts_with("conv_backend: "));
  parse({{"conv_backend", "autotune"}});
  CHECK(read.conv_backend == ops::ConvBackendSetting::autotune);
  written = nas::Json::object();
  write_run_basics(read, written);
  CHECK(written["conv_backend"] == "autotune");
  CHECK_FALSE(written.contains("precision"));
  b = basics(dir / "b");
  b.conv_backend = ops::ConvBackendSetting::autotune;
  CountingPhase autotuned(b, 1);
  CHECK(run_phase(autotuned, {{}, false}));
  CHECK(ops::conv_backend_setting() == ops::ConvBackendSetting::native);

  // cuda_graphs: a boolean, false (the default) left out; a CPU run leaves graphs off.
  CHECK(test::error_of([&] { parse({{"cuda_graphs", "yes"}}); }).starts_with("cuda_graphs: "));
  read = RunBasics{};
  parse({{"cuda_graphs", true}});
  CHECK(read.cuda_graphs);
  written = nas::Json::object();
  write_run_basics(read, written);
  CHECK(written["cuda_graphs"] == true);
  read = RunBasics{};
  parse(nas::Json::object());
  written = nas::Json::object();
  write_run_basics(read, written);
  CHECK_FALSE(written.contains("cuda_graphs"));
  b = basics(dir / "c");
  b.cuda_graphs = true;
  CountingPhase graphed(b, 1);
  CHECK(run_phase(graphed, {{}, false}));
  CHECK_FALSE(nn::forward_graphs());
}

TEST_CASE("phase_main: exit status 2 for a bad command line, 1 for a bad description", "[apps][runner]") {
  const test::TempDir dir;
  const auto status = [&](std::vector<std::string> args) {
    args.insert(args.begin(), "autospace-count");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    return phase_main("autospace-count", "usage: autospace-count RUN.json", static_cast<int>(argv.size()),
                      argv.data(), {"--out"}, [&](const Invocation& run) -> std::unique_ptr<Phase> {
                        const auto total = run.parse([&] { return nas::json_integer(run.description.at("total"), "total", 1, 9); });
                        return std::make_unique<CountingPhase>(basics(dir / "run"), total);
                      });
  };
  const fs::path good = dir / "good.json", bad = dir / "bad.json";
  nas::write_json_file(good, {{"total", 2}});
  nas::write_json_file(bad, {{"total", 20}});
  CHECK(status({good.string()}) == 0);
  CHECK(status({good.string(), "--out", "x"}) == 0);
  CHECK(status({good.string(), "--frobnicate"}) == 2);
  CHECK(status({good.string(), "--out"}) == 2);  // the option's value is missing
  CHECK(status({(dir / "missing.json").string()}) == 2);
  CHECK(status({dir.path().string()}) == 2);  // a directory
  CHECK(status({bad.string()}) == 1);
  CHECK(status({good.string(), "--set", "total=30"}) == 1);
}
