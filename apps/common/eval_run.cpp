#include "apps/common/eval_run.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>

#include "apps/common/distributed.h"
#include "apps/common/evaluate.h"
#include "apps/common/weights_file.h"
#include "data/dataset.h"
#include "engine/autograd/node.h"
#include "engine/io/safetensors.h"
#include "engine/nn/dropout.h"
#include "engine/ops/batch_norm.h"
#include "engine/ops/cross_entropy.h"
#include "kernels/common/check.h"
#include "nas/arch_json.h"
#include "nas/cost_model.h"
#include "nas/network/build_network.h"
#include "nas/network/weight_bank.h"

namespace autospace::apps {

namespace {

using Clock = std::chrono::steady_clock;

void set_dropout_training(nn::Module& module, bool on) {
  if (auto* d = dynamic_cast<nn::Dropout*>(&module)) d->train(on);
  for (auto& [name, child] : module.named_children()) set_dropout_training(*child, on);
}

// Re-estimates every BN's running statistics (plain BN and weight banks) as the average
// over `batches` training batches. With several ranks each takes its share of every batch
// and the statistics are synchronised, so every rank ends with those of the whole batches.
void recalibrate_bn(nn::Module& model, const Datasets& sets, const RunSettings& s, Device device, int batches,
                    dist::Communicator& comm) {
  auto loader = make_loader(sets.train, s.data, s.eval.batch_size, true, s.seed, comm.rank(), comm.world());
  std::optional<ops::SyncBatchNorm> sync;
  if (comm.world() > 1) sync.emplace(comm);
  const std::int64_t available = loader->steps_per_epoch();
  if (available == 0)
    nas::json_fail("eval.batch_size", std::to_string(s.eval.batch_size) + " is larger than the training set (" +
                                          std::to_string(sets.train->size()) + " images) used for BN recalibration");
  NoGradGuard no_grad;
  train_without_dropout(model);
  nas::begin_bn_recalibration(model);
  int done = 0;
  // More batches than one epoch holds continue into the next epochs' orders.
  for (std::uint32_t epoch = 0; done < batches; ++epoch) {
    loader->start_epoch(epoch);
    while (done < batches) {
      auto batch = loader->next();
      if (!batch) break;
      if (batch->size() == 0) continue;
      model.forward(input_tensor(*batch, s.data, device));
      ++done;
    }
  }
  nas::end_bn_recalibration(model);
  model.eval();
}

nas::Json latency_json(const std::vector<Latency>& latencies) {
  nas::Json out = nas::Json::array();
  for (const Latency& l : latencies)
    out.push_back({{"batch_size", l.batch_size},
                   {"median_ms", l.median_ms},
                   {"min_ms", l.min_ms},
                   {"max_ms", l.max_ms},
                   {"images_per_second", l.images_per_second}});
  return out;
}

// One training-mode step on a fixed batch, without the update: input, logits, loss and the
// gradient of every parameter, next to the weights it started from.
nas::Json write_dump(const std::filesystem::path& dir, nn::Module& model, const nas::Arch& arch,
                     const Datasets& sets, const RunSettings& s, Device device) {
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
  save_weights(dir / "weights.safetensors", model, {{"arch_name", arch.name}});
  nas::save_arch(dir / "arch.json", arch);

  const Tensor input = input_tensor(*batch, s.data, device);
  const Tensor labels = batch->labels.to(device);
  const float smoothing = static_cast<float>(s.train.label_smoothing);
  train_without_dropout(model);
  for (const Tensor& p : model.parameters()) p.clear_grad();
  const Tensor logits = model.forward(input);
  const Tensor loss = ops::softmax_cross_entropy(logits, labels, smoothing);
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
                                 {"arch", arch.name},
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

}  // namespace

void train_without_dropout(nn::Module& model) {
  model.train();
  set_dropout_training(model, false);
}

std::vector<Latency> measure_latency(nn::Module& model, const Shape& input_shape_one, Device device,
                                     const LatencySettings& settings) {
  std::vector<Latency> out;
  if (settings.runs == 0) return out;
  const bool was_training = model.is_training();
  model.eval();
  NoGradGuard no_grad;
  for (const std::int64_t batch : settings.batch_sizes) {
    Shape shape = input_shape_one;
    shape[0] = batch;
    // Dense kernels take the same time whatever the values, so zeros do.
    const Tensor x = Tensor::zeros(shape, DType::f32, device);
    for (int i = 0; i < settings.warmup; ++i) model.forward(x).to(Device::cpu());
    std::vector<double> ms;
    for (int i = 0; i < settings.runs; ++i) {
      const auto start = Clock::now();
      model.forward(x).to(Device::cpu());
      ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    }
    std::sort(ms.begin(), ms.end());
    const std::size_t n = ms.size();
    const double median = n % 2 ? ms[n / 2] : 0.5 * (ms[n / 2 - 1] + ms[n / 2]);
    out.push_back({batch, median, ms.front(), ms.back(), median > 0 ? static_cast<double>(batch) * 1000 / median : 0});
  }
  model.train(was_training);
  return out;
}

nas::Json run_evaluation(const RunSettings& s, const EvalControl& control) {
  const auto start = Clock::now();
  // Under mpirun/srun every rank scores its share of the validation set; rank 0 alone
  // measures latency, writes the dump and eval.json, and prints.
  dist::Communicator& comm = setup_distributed(s.distributed);
  const Device device = setup_device(s);
  const nas::Arch& arch = s.arch;
  check_resolution(s);
  auto model = nas::build_network(arch, s.seed);
  model->to(device);
  const std::filesystem::path weights = s.weights_path();
  WeightsMetadata metadata = load_weights(weights, *model);
  metadata.erase("arch");  // the whole arch.json as text; arch_file names it

  Datasets sets;
  rank0_first(comm, "opening the data sets", [&] { sets = open_datasets(s.data); });
  check_classes(s, sets.classes);
  if (s.eval.bn_recalibration_batches > 0)
    recalibrate_bn(*model, sets, s, device, s.eval.bn_recalibration_batches, comm);

  auto val_loader = make_loader(sets.val, s.data, s.eval.batch_size, false, s.seed, comm.rank(), comm.world());
  const Evaluation e = evaluate(*model, *val_loader, s.data, device, &comm);
  const nas::Cost cost = nas::arch_cost(arch).total;
  nas::Json report;
  // Rank 0 alone times, dumps, writes and prints; the others wait at on_rank0's collective,
  // so the latency is measured on an otherwise idle node.
  on_rank0(comm, "measuring latency and writing the evaluation", [&] {
    const std::vector<Latency> latency =
        measure_latency(*model, {1, arch.net.resolution, arch.net.resolution, arch.net.input_channels}, device,
                        s.eval.latency);
    report = {{"format", "autospace.eval/1"},
              {"arch", arch.name},
              {"arch_file", s.arch_file.empty() ? nas::Json() : nas::Json(s.arch_file.string())},
              {"weights", weights.string()},
              {"weights_metadata", metadata},
              {"device", device.str()},
              {"threads", num_threads()},
              {"bn_recalibration_batches", s.eval.bn_recalibration_batches},
              {"images", e.images},
              {"top1", e.top1},
              {"top5", e.top5},
              {"loss", e.loss},
              {"madds", cost.madds},
              {"params", cost.params},
              {"latency", latency_json(latency)}};
    if (!control.dump_dir.empty())
      report["dump"] = {{"dir", control.dump_dir.string()},
                        {"loss", write_dump(control.dump_dir, *model, arch, sets, s, device).at("loss")}};
    report["seconds"] = std::chrono::duration<double>(Clock::now() - start).count();
    report["config"] = to_json(s);
    const std::filesystem::path output = s.eval_output();
    if (output.has_parent_path()) std::filesystem::create_directories(output.parent_path());
    nas::write_json_file(output, report);

    if (control.print) {
      std::printf("%s (%s)\n  weights  %s\n", arch.name.c_str(), s.arch_origin().c_str(), weights.string().c_str());
      if (s.eval.bn_recalibration_batches > 0)
        std::printf("  BN recalibrated over %d training batches\n", s.eval.bn_recalibration_batches);
      std::printf("  top-1 %.2f%%  top-5 %.2f%%  loss %.4f  (%lld images)\n", 100 * e.top1, 100 * e.top5, e.loss,
                  static_cast<long long>(e.images));
      std::printf("  MAdds %lld  params %lld\n", static_cast<long long>(cost.madds), static_cast<long long>(cost.params));
      for (const Latency& l : latency)
        std::printf("  latency batch %lld on %s: median %.3f ms (min %.3f, max %.3f), %.1f img/s\n",
                    static_cast<long long>(l.batch_size), device.str().c_str(), l.median_ms, l.min_ms, l.max_ms,
                    l.images_per_second);
      if (!control.dump_dir.empty()) std::printf("  dump     %s\n", control.dump_dir.string().c_str());
      std::printf("  -> %s\n", output.string().c_str());
    }
  });
  return report;
}

}  // namespace autospace::apps
