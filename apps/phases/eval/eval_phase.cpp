#include "apps/phases/eval/eval_phase.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>

#include "apps/phases/latency/latency_settings.h"
#include "apps/run/runner.h"
#include "data/dataset.h"
#include "engine/io/safetensors.h"
#include "engine/io/weights_file.h"
#include "engine/nn/dropout.h"
#include "engine/nn/latency.h"
#include "engine/ops/batch_norm.h"
#include "engine/ops/cross_entropy.h"
#include "kernels/common/check.h"
#include "nas/arch_json.h"
#include "nas/cost_model.h"
#include "nas/evaluation/bn_recalibration.h"
#include "nas/evaluation/evaluate.h"
#include "nas/latency/latency_parts.h"
#include "nas/network/build_network.h"

namespace autospace::apps {

namespace {

using Clock = std::chrono::steady_clock;

nas::Json latency_json(const std::vector<nn::Latency>& latencies) {
  nas::Json out = nas::Json::array();
  for (const nn::Latency& l : latencies)
    out.push_back({{"batch_size", l.batch_size},
                   {"median_ms", l.median_ms},
                   {"min_ms", l.min_ms},
                   {"max_ms", l.max_ms},
                   {"images_per_second", l.images_per_second}});
  return out;
}

// One training-mode step on a fixed batch, without the update: input, logits, loss and the
// gradient of every parameter, next to the weights it started from.
nas::Json write_dump(const std::filesystem::path& dir, nn::Module& model, const RunSettings& s, const Datasets& sets,
                     Device device) {
  std::filesystem::create_directories(dir);
  // Evenly spaced validation images: the set is ordered by class, so its first images
  // would all share one label.
  const std::size_t size = sets.val->size();
  const std::size_t n = std::min<std::size_t>(size, static_cast<std::size_t>(s.eval.dump_batch_size));
  std::vector<std::size_t> picked;
  for (std::size_t i = 0; i < n; ++i) picked.push_back(i * size / n);
  const auto images = std::make_shared<data::Subset>(sets.val, picked);
  auto loader = make_loader(images, s.data, static_cast<std::int64_t>(n), false, s.seed);
  loader->start_epoch(0);
  std::optional<data::Batch> batch = loader->next();
  AUTOSPACE_CHECK(batch && batch->size() == static_cast<std::int64_t>(n), "--dump: could not read the ", n,
                  " validation images (a bad file?)");
  std::vector<std::string> sources;
  for (std::size_t i = 0; i < n; ++i) sources.push_back(images->source(i));

  // The weights before the step: its training-mode BN updates the running statistics.
  io::save_weights(dir / "weights.safetensors", model, {{"arch_name", s.arch.name}});
  nas::save_arch(dir / "arch.json", s.arch);

  const Tensor input = data::model_input(*batch, s.data.normalization(), device);
  const Tensor labels = batch->labels.to(device);
  nn::train_without_dropout(model);
  for (const Tensor& p : model.parameters()) p.clear_grad();
  const Tensor logits = model.forward(input);
  const Tensor loss = ops::softmax_cross_entropy(logits, labels, static_cast<float>(s.train.label_smoothing));
  loss.backward();
  model.eval();

  io::NamedTensors grads;
  for (const auto& [name, p] : model.named_parameters()) {
    AUTOSPACE_CHECK(p.grad().defined(), "--dump: parameter ", name, " received no gradient");
    grads.emplace_back(name, p.grad());
  }
  io::write_safetensors(dir / "input.safetensors", {{"input", input}, {"labels", batch->labels}},
                        {{"layout", "NHWC"}});
  io::write_safetensors(dir / "outputs.safetensors", {{"logits", logits}, {"loss", loss}});
  io::write_safetensors(dir / "grads.safetensors", grads);

  const nas::Json description = {{"format", "autospace.dump/1"},
                                 {"arch", s.arch.name},
                                 {"images", batch->size()},
                                 {"val_indices", picked},
                                 {"sources", sources},
                                 {"mode", "train"},
                                 {"dropout", "off"},
                                 {"label_smoothing", s.train.label_smoothing},
                                 {"loss", loss.item()},
                                 {"device", device.str()},
                                 {"files", {"arch.json", "weights.safetensors", "input.safetensors",
                                            "outputs.safetensors", "grads.safetensors"}}};
  nas::write_json_file(dir / "dump.json", description);
  return description;
}

// The additive model's prediction from `file` next to the network timed whole the same way,
// where this machine is the table's device.
nas::Json latency_model_report(const std::filesystem::path& file, nn::Module& model, const nas::Arch& arch,
                               Device device) {
  const nas::LatencyTable table = nas::LatencyTable::load(file);
  nas::Json report = {{"table", file.string()},
                      {"device", table.device().describe()},
                      {"batch", table.protocol().batch},
                      {"calibration_scale", table.calibration().scale},
                      {"predicted_ms", nas::predicted_latency_ms(table, arch, file.string())}};
  if (!nas::measured_on(table, device)) {
    report["measured_ms"] = nullptr;
    report["not_measured"] = "the table was timed on " + table.device().describe() + ", not here (" +
                             nas::latency_device(device, table.device().threads).describe() + ")";
    return report;
  }
  const ThreadCountScope threads(table.device().threads);
  const double measured = nas::measure_network(model, arch, device, table.protocol()).median_ms;
  report["measured_ms"] = measured;
  report["relative_error"] = report["predicted_ms"].get<double>() / measured - 1;
  return report;
}

class EvalPhase final : public Phase {
 public:
  EvalPhase(const RunSettings& settings, const EvalControl& control) : s_(settings), control_(control) {}

  PhaseSetup setup() const override {
    PhaseSetup p{"eval", &s_, s_.distributed};
    p.checkpointed = false;  // one unit; it writes into the run directory of the training
    p.classes = s_.arch.net.classes;
    p.classes_owner = s_.arch_origin();
    return p;
  }

  void build(PhaseContext& c, const std::optional<io::Checkpoint>&) override {
    model_ = nas::build_network(s_.arch, s_.seed);
    model_->to(c.device);
    metadata_ = io::load_weights(s_.weights_path(), *model_);
    metadata_.erase("arch");  // the whole arch.json as text; arch_file names it
  }

  bool done() const override { return result_.has_value(); }
  std::int64_t total_steps() const override { return 0; }
  PhaseCounters counters() const override { return {0, done() ? 1 : 0}; }
  std::string position() const override { return done() ? "the evaluation done" : "the start"; }

  UnitReport next(PhaseContext& c) override {
    if (s_.eval.bn_recalibration_batches > 0) recalibrate(c);
    auto val_loader = c.loader(c.data.val, s_.eval.batch_size, false, s_.seed);
    result_ = nas::evaluate(*model_, *val_loader, s_.data.normalization(), c.device, &c.comm);
    return {};
  }

  // Rank 0 alone times, dumps, writes and prints; the others wait at on_rank0's collective,
  // so the latency is measured on an otherwise idle node.
  void finish(PhaseContext& c) override {
    on_rank0(c.comm, "measuring latency and writing the evaluation", [&] { report_ = write_report(c); });
  }

  // 5: the network's outputs are not finite (diverged weights).
  int exit_status() const override { return result_ && !result_->finite() ? 5 : 0; }

  const nas::Json& report() const { return report_; }

 private:
  // With several ranks each takes its share of every batch and the statistics are
  // synchronised, so every rank ends with those of the whole batches.
  void recalibrate(PhaseContext& c) {
    data::BatchStream stream = c.stream(c.data.train, s_.eval.batch_size, s_.seed, "eval.batch_size", "training set used for BN recalibration");
    std::optional<ops::SyncBatchNorm> sync;
    if (c.comm.world() > 1) sync.emplace(c.comm);
    nas::recalibrate_bn(*model_, stream, s_.eval.bn_recalibration_batches, s_.data.normalization(), c.device);
  }

  nas::Json write_report(PhaseContext& c) {
    const nas::Arch& arch = s_.arch;
    const nas::Evaluation& e = *result_;
    const nas::Cost cost = nas::arch_cost(arch).total;
    const std::vector<nn::Latency> latency = nn::measure_latency(
        *model_, {1, arch.net.resolution, arch.net.resolution, arch.net.input_channels}, c.device, s_.eval.latency);
    nas::Json report = {{"format", "autospace.eval/1"},
                        {"arch", arch.name},
                        {"arch_file", s_.arch_file.empty() ? nas::Json() : nas::Json(s_.arch_file.string())},
                        {"weights", s_.weights_path().string()},
                        {"weights_metadata", metadata_},
                        {"device", c.device.str()},
                        {"threads", num_threads()},
                        {"bn_recalibration_batches", s_.eval.bn_recalibration_batches},
                        {"images", e.images},
                        {"top1", e.top1},
                        {"top5", e.top5},
                        {"loss", e.loss},
                        {"nonfinite_images", e.nonfinite},
                        {"skipped_images", e.skipped},
                        {"madds", cost.madds},
                        {"params", cost.params},
                        {"latency", latency_json(latency)}};
    if (!s_.eval.latency_table.empty())
      report["latency_model"] = latency_model_report(s_.eval.latency_table, *model_, arch, c.device);
    if (!control_.dump_dir.empty())
      report["dump"] = {{"dir", control_.dump_dir.string()},
                        {"loss", write_dump(control_.dump_dir, *model_, s_, c.data, c.device).at("loss")}};
    report["seconds"] = std::chrono::duration<double>(Clock::now() - start_).count();
    report["config"] = to_json(s_);
    const std::filesystem::path output = s_.eval_output();
    if (output.has_parent_path()) std::filesystem::create_directories(output.parent_path());
    nas::write_json_file(output, report);
    if (!e.finite())
      std::fprintf(stderr, "[eval] the outputs are not finite on %lld of %lld images (diverged weights?): the "
                   "accuracy counts them as wrong\n", static_cast<long long>(e.nonfinite),
                   static_cast<long long>(e.images));
    if (!control_.print) return report;

    std::printf("%s (%s)\n  weights  %s\n", arch.name.c_str(), s_.arch_origin().c_str(),
                s_.weights_path().string().c_str());
    if (s_.eval.bn_recalibration_batches > 0)
      std::printf("  BN recalibrated over %d training batches\n", s_.eval.bn_recalibration_batches);
    std::printf("  top-1 %.2f%%  top-5 %.2f%%  loss %.4f  (%lld images%s)\n", 100 * e.top1, 100 * e.top5, e.loss,
                static_cast<long long>(e.images),
                e.skipped ? (", " + std::to_string(e.skipped) + " unreadable ones skipped").c_str() : "");
    std::printf("  MAdds %lld  params %lld\n", static_cast<long long>(cost.madds), static_cast<long long>(cost.params));
    for (const nn::Latency& l : latency)
      std::printf("  latency batch %lld on %s: median %.3f ms (min %.3f, max %.3f), %.1f img/s\n",
                  static_cast<long long>(l.batch_size), c.device.str().c_str(), l.median_ms, l.min_ms, l.max_ms,
                  l.images_per_second);
    if (report.contains("latency_model")) {
      const nas::Json& m = report["latency_model"];
      std::printf("  latency predicted by %s: %.3f ms at batch %lld", m["table"].get<std::string>().c_str(),
                  m["predicted_ms"].get<double>(), static_cast<long long>(m["batch"].get<std::int64_t>()));
      if (m["measured_ms"].is_number())
        std::printf(", measured %.3f ms (%+.1f%%)\n", m["measured_ms"].get<double>(),
                    100 * m["relative_error"].get<double>());
      else
        std::printf(" (%s)\n", m["not_measured"].get<std::string>().c_str());
    }
    if (!control_.dump_dir.empty()) std::printf("  dump     %s\n", control_.dump_dir.string().c_str());
    std::printf("  -> %s\n", output.string().c_str());
    return report;
  }

  const RunSettings s_;
  const EvalControl control_;
  const Clock::time_point start_ = Clock::now();
  std::shared_ptr<nn::Sequential> model_;
  io::WeightsMetadata metadata_;
  std::optional<nas::Evaluation> result_;
  nas::Json report_;
};

}  // namespace

std::unique_ptr<Phase> make_eval_phase(const RunSettings& settings, const EvalControl& control) {
  return std::make_unique<EvalPhase>(settings, control);
}

nas::Json run_evaluation(const RunSettings& settings, const EvalControl& control) {
  EvalPhase phase(settings, control);
  run_phase(phase, {.print = control.print});
  return phase.report();
}

}  // namespace autospace::apps
