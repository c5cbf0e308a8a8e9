#include "apps/phases/train/train_phase.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <optional>

#include "apps/run/runner.h"
#include "engine/dist/gradient_reducer.h"
#include "engine/io/weights_file.h"
#include "engine/nn/buffer_snapshot.h"
#include "engine/nn/classification_meter.h"
#include "engine/nn/dropout.h"
#include "engine/nn/training_tally.h"
#include "engine/ops/cross_entropy.h"
#include "engine/ops/step_gate.h"
#include "engine/optim/grad_utils.h"
#include "engine/optim/optimizer.h"
#include "engine/optim/schedule.h"
#include "engine/optim/weight_ema.h"
#include "kernels/common/check.h"
#include "nas/arch_json.h"
#include "nas/cost_model.h"
#include "nas/evaluation/evaluate.h"
#include "nas/network/build_network.h"

namespace autospace::apps {

namespace {

using Clock = std::chrono::steady_clock;

// EMA tensors travel in the checkpoint's optimiser part under this prefix: the weight
// average is optimiser-side state, and optimiser names ("<param>.<slot>") never start so.
constexpr const char* kEmaPrefix = "ema/";

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// One evaluation of the validation set during training.
struct EpochEvaluation {
  std::int64_t epoch = 0;  // 1-based
  std::string weights;     // "raw" or "ema"
  nas::Evaluation result;

  nas::Json to_json() const {
    return {{"epoch", epoch},        {"weights", weights},         {"top1", result.top1},
            {"top5", result.top5},   {"loss", result.loss},        {"images", result.images},
            {"nonfinite", result.nonfinite}, {"skipped", result.skipped}};
  }
};

// JSON has no NaN: a diverged evaluation's loss is written as null.
double number_or_nan(const nas::Json& j) { return j.is_null() ? std::nan("") : j.get<double>(); }

nas::Json to_json(const std::optional<EpochEvaluation>& e) { return e ? e->to_json() : nas::Json(); }

std::optional<EpochEvaluation> evaluation_from_json(const nas::Json& j, const std::string& source) {
  if (j.is_null()) return std::nullopt;
  const auto count = [&](const char* key) {  // absent before it was counted
    return j.contains(key) ? nas::state_integer(j.at(key), key, source) : std::int64_t{0};
  };
  return EpochEvaluation{nas::state_integer(j.at("epoch"), "epoch", source), j.at("weights").get<std::string>(),
                         {j.at("top1").get<double>(), j.at("top5").get<double>(), number_or_nan(j.at("loss")),
                          nas::state_integer(j.at("images"), "images", source), count("nonfinite"), count("skipped")}};
}

// What the checkpoint carries besides tensors. Randomness needs nothing: every stream is
// keyed by (seed, epoch, step).
// The step figures (epoch_meter, nonfinite_skipped, bad_images_skipped) are as of the last
// read of the device's tally and guard (TrainPhase::read_figures).
struct LoopState {
  std::int64_t epoch = 0, step = 0;  // the next step to run
  std::int64_t nonfinite_skipped = 0;
  std::int64_t bad_images_skipped = 0;  // unreadable training images (data.bad_files "skip"), all ranks
  double wall_seconds = 0;            // spent in earlier processes of this run
  nn::ClassificationMeter epoch_meter;  // the current epoch so far
  std::optional<EpochEvaluation> best, last, last_ema;  // none before the first evaluation
};

class TrainPhase final : public Phase {
 public:
  explicit TrainPhase(const RunSettings& settings) : s_(settings) {
    arch_ = s_.arch;
    if (s_.train.dropout) arch_.net.head.dropout = *s_.train.dropout;
  }

  PhaseSetup setup() const override {
    PhaseSetup p{"train", &s_, s_.distributed};
    // Evaluation does not change the training, so it may differ on resume.
    nas::Json resolved = to_json(s_);
    resolved.erase("eval");
    p.resolved = resolved;
    if (!s_.arch_file.empty()) p.inputs.push_back(s_.arch_file);
    if (!s_.train.init_weights.empty()) p.inputs.push_back(s_.train.init_weights);
    p.classes = s_.arch.net.classes;
    p.classes_owner = s_.arch_origin();
    return p;
  }

  void build(PhaseContext& c, const std::optional<io::Checkpoint>& resume) override;
  io::Checkpoint checkpoint() const override;

  bool done() const override { return state_.epoch == s_.train.epochs; }
  std::int64_t total_steps() const override { return total_steps_; }
  PhaseCounters counters() const override { return {steps_done(), 0}; }
  std::string position() const override {
    if (done()) return "all " + std::to_string(s_.train.epochs) + " epochs done";
    return "epoch " + std::to_string(state_.epoch + 1) + " step " + std::to_string(state_.step) + "/" +
           std::to_string(steps_per_epoch_);
  }
  // A training step, or (after an epoch's last step) the epoch's evaluation and checkpoint.
  UnitReport next(PhaseContext& c) override {
    if (state_.step == steps_per_epoch_) {
      end_epoch(c);
      return {.checkpoint = true};
    }
    return train_step(c);
  }
  void finish(PhaseContext& c) override;

  // 5: no evaluation had finite outputs (the training diverged).
  int exit_status() const override { return state_.best ? 0 : 5; }

  const nas::Json& summary() const { return summary_; }

 private:
  std::int64_t steps_done() const { return state_.epoch * steps_per_epoch_ + state_.step; }
  void restore(const io::Checkpoint& checkpoint, const std::string& source);
  void read_loop_state(const nas::Json& state, const std::string& source);
  UnitReport train_step(PhaseContext& c);
  // The steps' figures from the device into state_ and interval_ (one synchronisation),
  // with the steps skipped since the last read told in `report`; the guard's abort.
  void read_figures(UnitReport& report);
  // The guard's counts, its abort naming the checkpoint to continue from.
  optim::NonFiniteGuard::Counts guard_counts(const std::string& checkpoint_file) const;
  void end_epoch(PhaseContext& c);
  // Every rank evaluates its share of the validation set (with rank 0's BN statistics);
  // the results, the same on every rank, are over the whole set.
  void evaluate_epoch(PhaseContext& c, std::optional<EpochEvaluation>& raw, std::optional<EpochEvaluation>& averaged);
  void save_epoch(PhaseContext& c, const std::optional<EpochEvaluation>& raw,
                  const std::optional<EpochEvaluation>& averaged, bool best_changed);  // rank 0
  io::WeightsMetadata weights_metadata(const std::optional<EpochEvaluation>& evaluation, const std::string& source) const;

  const RunSettings s_;
  nas::Arch arch_;  // as trained: train.dropout applied
  Clock::time_point start_ = Clock::now();
  std::optional<data::BatchStream> train_;
  std::unique_ptr<data::Loader> val_loader_;
  std::int64_t steps_per_epoch_ = 0, total_steps_ = 0;
  std::shared_ptr<nn::Sequential> model_;
  std::vector<Tensor> parameters_;
  std::unique_ptr<dist::GradientReducer> reducer_;  // on the data-parallel path (dist::data_parallel)
  std::unique_ptr<optim::SGD> optimizer_;
  std::unique_ptr<optim::CosineSchedule> schedule_;
  std::unique_ptr<optim::NonFiniteGuard> guard_;
  std::optional<optim::WeightEma> ema_;
  LoopState state_;
  std::unique_ptr<nn::TrainingTally> tally_;  // the steps' figures on the device
  std::int64_t nonfinite_before_ = 0;         // skipped steps of earlier processes (the guard counts this one's)
  optim::NonFiniteGuard::Counts guard_read_;  // the guard's counts at the last read
  std::string checkpoint_file_;
  nn::ClassificationMeter interval_;  // since the last log record
  Clock::time_point interval_start_ = Clock::now();
  nas::Json summary_;
};

void TrainPhase::build(PhaseContext& c, const std::optional<io::Checkpoint>& resume) {
  train_.emplace(c.stream(c.data.train, s_.train.batch_size, s_.seed, "train.batch_size", "training set"));
  val_loader_ = c.loader(c.data.val, s_.train.batch_size, false, s_.seed);
  steps_per_epoch_ = train_->steps_per_epoch();
  total_steps_ = steps_per_epoch_ * s_.train.epochs;

  model_ = nas::build_network(arch_, s_.seed);
  if (!resume && !s_.train.init_weights.empty()) io::load_weights(s_.train.init_weights, *model_);
  model_->to(c.device);
  parameters_ = model_->parameters();
  if (dist::data_parallel(c.comm))
    reducer_ = std::make_unique<dist::GradientReducer>(
        c.comm, model_->named_parameters(), static_cast<std::int64_t>(s_.distributed.bucket_mb * (1 << 20)),
        s_.distributed.compress_bf16);
  const nn::DecayGroups groups = nn::split_weight_decay(model_->named_parameters());
  optimizer_ = std::make_unique<optim::SGD>(
      std::vector<optim::ParamGroup>{{groups.decay, static_cast<float>(s_.train.weight_decay)}, {groups.no_decay, 0.f}},
      optim::SgdOptions{static_cast<float>(s_.train.momentum), s_.train.nesterov});
  const auto warmup = static_cast<std::int64_t>(std::llround(s_.train.warmup_epochs * steps_per_epoch_));
  // The ramp starts at lr / warmup rather than 0, so that no step is spent at rate 0.
  schedule_ = std::make_unique<optim::CosineSchedule>(
      static_cast<float>(s_.train.lr), total_steps_, warmup, static_cast<float>(s_.train.final_lr),
      warmup > 0 ? static_cast<float>(s_.train.lr / static_cast<double>(warmup)) : 0.f);
  guard_ = std::make_unique<optim::NonFiniteGuard>(s_.train.max_nonfinite);
  if (s_.train.ema_decay > 0) {
    auto shadow = nas::build_network(arch_, s_.seed);
    shadow->to(c.device);
    ema_.emplace(std::move(shadow), *model_, s_.train.ema_decay);
  }
  if (resume) restore(*resume, c.checkpoint_file.string());
  nonfinite_before_ = state_.nonfinite_skipped;
  checkpoint_file_ = c.checkpoint_file.string();
  tally_ = std::make_unique<nn::TrainingTally>(c.device);
  tally_->reset(state_.epoch_meter, state_.bad_images_skipped);
  // After the restore: a checkpoint of another architecture must not overwrite the record.
  on_rank0(c.comm, "writing arch.json", [&] { nas::save_arch(c.directory->file("arch.json"), arch_); });
}

void TrainPhase::restore(const io::Checkpoint& checkpoint, const std::string& source) {
  const nas::Json& j = checkpoint.state;
  if (!j.contains("arch") || nas::arch_from_json(j.at("arch")) != arch_)
    AUTOSPACE_THROW(source, ": the checkpoint was trained on another architecture than ", s_.arch_origin(),
                    " describes now; use another run directory");
  nn::load_state(*model_, checkpoint.model, source);
  std::vector<NamedTensor> optimizer_state, ema_state;
  const std::string prefix = kEmaPrefix;
  for (const auto& [name, t] : checkpoint.optimizer) {
    if (name.rfind(prefix, 0) == 0) ema_state.emplace_back(name.substr(prefix.size()), t);
    else optimizer_state.emplace_back(name, t);
  }
  optimizer_->load_state(optimizer_state, source);
  if (ema_) nn::load_state(ema_->shadow(), ema_state, source + " (weight EMA)");
  else if (!ema_state.empty()) AUTOSPACE_THROW(source, ": holds a weight EMA but train.ema_decay is 0");

  try {
    read_loop_state(j, source);
  } catch (const nas::Json::exception& e) {
    AUTOSPACE_THROW(source, ": the checkpoint's state is not what this version writes: ", e.what());
  }
}

void TrainPhase::read_loop_state(const nas::Json& j, const std::string& source) {
  state_.epoch = nas::state_integer(j.at("epoch"), "epoch", source);
  state_.step = nas::state_integer(j.at("step"), "step", source);
  if (state_.step > steps_per_epoch_)
    AUTOSPACE_THROW(source, ": stopped at step ", state_.step, " of an epoch that now has ", steps_per_epoch_,
                    " steps (did the training set change?)");
  state_.nonfinite_skipped = nas::state_integer(j.at("nonfinite_skipped"), "nonfinite_skipped", source);
  state_.bad_images_skipped = j.contains("bad_images_skipped")  // absent before it was counted
                                  ? nas::state_integer(j.at("bad_images_skipped"), "bad_images_skipped", source)
                                  : 0;
  state_.wall_seconds = j.at("wall_seconds").get<double>();
  state_.epoch_meter = nn::ClassificationMeter::from_json(j.at("epoch_tally"), source);
  state_.best = evaluation_from_json(j.at("best"), source);
  state_.last = evaluation_from_json(j.at("last"), source);
  state_.last_ema = evaluation_from_json(j.at("last_ema"), source);
}

io::Checkpoint TrainPhase::checkpoint() const {
  // The figures as they are on the device now (a stop may come between two reads).
  const nn::TrainingTally::Figures figures = tally_->read();
  const std::int64_t nonfinite = nonfinite_before_ + guard_counts(checkpoint_file_).skipped;
  io::Checkpoint c;
  c.model = nn::state_of(*model_);
  c.optimizer = optimizer_->state();
  if (ema_)
    for (const auto& [name, t] : nn::state_of(ema_->shadow())) c.optimizer.emplace_back(kEmaPrefix + name, t);
  c.state = {{"epoch", state_.epoch},
             {"step", state_.step},
             {"steps_done", steps_done()},
             {"nonfinite_skipped", nonfinite},
             {"bad_images_skipped", figures.unreadable},
             {"wall_seconds", state_.wall_seconds + seconds_since(start_)},
             {"epoch_tally", figures.epoch.to_json()},
             {"best", to_json(state_.best)},
             {"last", to_json(state_.last)},
             {"last_ema", to_json(state_.last_ema)},
             {"arch", nas::arch_to_json(arch_)}};
  return c;
}

optim::NonFiniteGuard::Counts TrainPhase::guard_counts(const std::string& checkpoint_file) const {
  try {
    return guard_->read();
  } catch (const Error& e) {
    AUTOSPACE_THROW(e.what(), "; the skipped steps changed nothing and no checkpoint was written since, so ",
                    checkpoint_file, " holds the state before them: continue from it in a new run directory with "
                    "train.init_weights = \"", checkpoint_file, "\" and a lower train.lr or train.grad_clip");
  }
}

void TrainPhase::read_figures(UnitReport& report) {
  const optim::NonFiniteGuard::Counts counts = guard_counts(checkpoint_file_);
  const nn::TrainingTally::Figures figures = tally_->read();
  state_.epoch_meter = figures.epoch;
  interval_ = figures.interval;
  state_.bad_images_skipped = figures.unreadable;
  state_.nonfinite_skipped = nonfinite_before_ + counts.skipped;
  const std::int64_t skipped = counts.skipped - guard_read_.skipped, of_loss = counts.skipped_loss - guard_read_.skipped_loss;
  if (skipped > 0) {
    report.nonfinite = of_loss == skipped ? "loss" : of_loss == 0 ? "gradient" : "loss or gradient";
    report.nonfinite_steps = skipped;
  }
  guard_read_ = counts;
}

UnitReport TrainPhase::train_step(PhaseContext& c) {
  if (state_.step == 0) {  // log intervals do not span epochs
    interval_ = {};
    interval_start_ = Clock::now();
  }
  const data::Batch batch = train_->at(steps_done());
  AUTOSPACE_CHECK(batch.step == state_.step, "loader delivered step ", batch.step, ", expected ", state_.step);
  const float lr = schedule_->lr(steps_done());
  // A batch whose every file was bad is empty: one process skips it, but a rank of
  // several cannot leave the others waiting in the step's collectives.
  if (batch.size() == 0 && reducer_)
    AUTOSPACE_THROW("rank ", c.comm.rank(), ": every image of epoch ", state_.epoch + 1, " step ", state_.step,
                    " was unreadable; a data-parallel run cannot skip a step on one rank (data.bad_files)");
  UnitReport report{.step = true, .items = batch.size()};
  const auto bad = static_cast<std::int64_t>(batch.bad_files.size());
  // The step's figures and verdict stay on the device: the tally and the guard are read
  // at log lines, checkpoints and the epoch's end, not every step.
  Tensor figures, gate;
  if (batch.size() > 0) {
    // Masks are drawn per batch position: each rank gets streams of its own, else the same
    // position on every rank would share its dropout and drop-path masks.
    nn::set_rng_step(*model_, static_cast<std::uint32_t>(state_.epoch), c.parallel.mask_step(state_.step));
    optimizer_->zero_grad();
    const nn::BufferSnapshot buffers(*model_);  // a skipped step must not move the BN statistics
    const Tensor labels = c.labels(batch);
    Tensor logits, loss;
    {
      const auto sync_bn = c.parallel.batch_norm_scope();
      logits = model_->forward(c.input(batch));
      loss = ops::softmax_cross_entropy(logits, labels, static_cast<float>(s_.train.label_smoothing));
      if (reducer_) reducer_->backward(loss);
      else loss.backward();
    }
    const Tensor norm = s_.train.grad_clip > 0 ? optim::clip_grad_norm(parameters_, s_.train.grad_clip)
                                               : optim::grad_norm(parameters_);
    figures = ops::step_figures(logits, labels, loss, bad);
    // Every rank judges the averaged gradients and the global batch's loss, so the
    // decisions (clipping, skipping a non-finite step) agree.
    if (reducer_) dist::all_reduce_where_it_lies(c.comm, figures, dist::ReduceOp::sum);
    gate = guard_->judge(figures, norm);
    optimizer_->step(lr, gate);
    if (ema_) ema_->update(*model_, gate);
    buffers.restore_unless_applied(gate);
  } else {
    figures = Tensor::from_vector({0.f, 0.f, 0.f, static_cast<float>(bad)}, {4}).to(c.device);
    gate = Tensor::zeros({1}, DType::f32, c.device);  // nothing to apply; the unreadable files count
  }
  tally_->add(figures, gate);
  ++state_.step;
  const std::int64_t done = steps_done();
  const bool log_line = done % s_.train.log_every_steps == 0;
  // The epoch's last step is checkpointed by the epoch's end, after the evaluation.
  report.checkpoint = s_.train.checkpoint_every_steps > 0 && done % s_.train.checkpoint_every_steps == 0 &&
                      state_.step < steps_per_epoch_;
  if (log_line || report.checkpoint || state_.step == steps_per_epoch_) read_figures(report);
  // The epoch's loss as of the last read; none before the epoch's first.
  char loss_text[32] = "-";
  if (state_.epoch_meter.images > 0) std::snprintf(loss_text, sizeof loss_text, "%.4f", state_.epoch_meter.loss());
  char details[128];
  std::snprintf(details, sizeof details, "epoch %lld/%d  loss %s  lr %.5f", static_cast<long long>(state_.epoch + 1),
                s_.train.epochs, loss_text, lr);
  report.details = details;
  if (log_line && interval_.steps > 0) {
    const double seconds = seconds_since(interval_start_);
    c.log({{"kind", "step"},
           {"epoch", state_.epoch + 1},
           {"step", state_.step},
           {"steps_done", done},
           {"loss", interval_.loss()},
           {"top1", interval_.accuracy()},
           {"lr", lr},
           {"images_per_second", seconds > 0 ? static_cast<double>(interval_.images) / seconds : 0}});
    tally_->reset(state_.epoch_meter, state_.bad_images_skipped);  // as just read: an empty interval
    interval_ = {};
    interval_start_ = Clock::now();
  }
  return report;
}

io::WeightsMetadata TrainPhase::weights_metadata(const std::optional<EpochEvaluation>& evaluation,
                                                 const std::string& source) const {
  io::WeightsMetadata m = {{"arch_name", arch_.name},
                           {"arch", nas::arch_to_json(arch_).dump()},
                           {"epoch", std::to_string(state_.epoch + 1)},
                           {"seed", std::to_string(s_.seed)},
                           {"weights", source}};
  if (evaluation) {
    // JSON numbers: printed to round-trip exactly.
    m["top1"] = nas::Json(evaluation->result.top1).dump();
    m["top5"] = nas::Json(evaluation->result.top5).dump();
    m["loss"] = nas::Json(evaluation->result.loss).dump();
  }
  return m;
}

void TrainPhase::end_epoch(PhaseContext& c) {
  std::optional<EpochEvaluation> raw, averaged;
  evaluate_epoch(c, raw, averaged);
  // The best so far: the highest validation top-1 of the raw or the EMA weights, decided on
  // every rank (the evaluations are the same everywhere). A diverged network is never best.
  bool best_changed = false;
  for (const auto* e : {&raw, &averaged})
    if (*e && (*e)->result.finite() && (!state_.best || (*e)->result.top1 > state_.best->result.top1)) {
      state_.best = *e;
      best_changed = true;
    }
  on_rank0(c.comm, "saving epoch " + std::to_string(state_.epoch + 1),
           [&] { save_epoch(c, raw, averaged, best_changed); });
  ++state_.epoch;
  state_.step = 0;
  state_.epoch_meter = {};
  tally_->reset(state_.epoch_meter, state_.bad_images_skipped);
}

void TrainPhase::evaluate_epoch(PhaseContext& c, std::optional<EpochEvaluation>& raw,
                                std::optional<EpochEvaluation>& averaged) {
  const std::int64_t epoch = state_.epoch + 1;  // 1-based in files and messages
  if (epoch % s_.train.eval_every_epochs != 0 && epoch != s_.train.epochs) return;
  if (dist::data_parallel(c.comm)) {
    // With per-rank BN statistics the ranks' running statistics differ; rank 0's are the
    // ones saved, so those are the ones evaluated (as DDP broadcasts buffers). Staged
    // through the host: the MPI communicator moves CPU tensors.
    std::vector<NamedTensor> buffers = model_->named_buffers();
    if (ema_)
      for (auto& b : ema_->shadow().named_buffers()) buffers.push_back(std::move(b));
    for (const auto& [name, t] : buffers) {
      const Tensor host = Tensor::empty(t.shape(), t.dtype());
      host.copy_from(t);
      c.comm.broadcast(host, 0);
      t.copy_from(host);
    }
  }
  const data::Normalization norm = s_.data.normalization();
  raw = EpochEvaluation{epoch, "raw", nas::evaluate(*model_, *val_loader_, norm, c.device, &c.comm)};
  state_.last = raw;
  if (ema_) {
    averaged = EpochEvaluation{epoch, "ema", nas::evaluate(ema_->shadow(), *val_loader_, norm, c.device, &c.comm)};
    state_.last_ema = averaged;
  }
}

void TrainPhase::save_epoch(PhaseContext& c, const std::optional<EpochEvaluation>& raw,
                            const std::optional<EpochEvaluation>& averaged, bool best_changed) {
  const RunDirectory& run = *c.directory;
  const std::int64_t epoch = state_.epoch + 1;
  nas::Json record = {{"kind", "epoch"},
                      {"epoch", epoch},
                      {"train_loss", state_.epoch_meter.loss()},
                      {"train_top1", state_.epoch_meter.accuracy()},
                      {"lr", schedule_->lr(steps_done() - 1)}};
  if (raw) record["val"] = raw->to_json();
  if (averaged) record["val_ema"] = averaged->to_json();
  io::save_weights(run.file("last.safetensors"), *model_, weights_metadata(raw, "raw"));
  if (ema_) io::save_weights(run.file("last_ema.safetensors"), ema_->shadow(), weights_metadata(averaged, "ema"));
  if (best_changed) {
    const nn::Module& weights = state_.best->weights == "ema" ? ema_->shadow() : *model_;
    io::save_weights(run.file("best.safetensors"), weights, weights_metadata(state_.best, state_.best->weights));
  }
  if (state_.best) record["best_top1"] = state_.best->result.top1;
  record["nonfinite_skipped"] = state_.nonfinite_skipped;
  record["seconds"] = state_.wall_seconds + seconds_since(start_);
  c.log(record);
  if (!c.print) return;
  std::printf("[train] epoch %lld/%d  train loss %.4f top-1 %.2f%%", static_cast<long long>(epoch), s_.train.epochs,
              state_.epoch_meter.loss(), 100 * state_.epoch_meter.accuracy());
  if (raw)
    std::printf("  val loss %.4f top-1 %.2f%% top-5 %.2f%%", raw->result.loss, 100 * raw->result.top1,
                100 * raw->result.top5);
  if (averaged) std::printf("  ema top-1 %.2f%%", 100 * averaged->result.top1);
  std::printf("\n");
  std::fflush(stdout);
}

void TrainPhase::finish(PhaseContext& c) {
  const nas::Cost cost = nas::arch_cost(arch_).total;
  summary_ = {{"format", "autospace.train-summary/1"},
              {"arch", arch_.name},
              {"arch_file", s_.arch_file.empty() ? nas::Json() : nas::Json(s_.arch_file.string())},
              {"madds", cost.madds},
              {"params", cost.params},
              {"epochs", s_.train.epochs},
              {"steps", total_steps_},
              {"best", to_json(state_.best)},
              {"last", to_json(state_.last)},
              {"last_ema", to_json(state_.last_ema)},
              {"nonfinite_skipped", state_.nonfinite_skipped},
              {"bad_images_skipped", state_.bad_images_skipped},
              {"wall_seconds", state_.wall_seconds + seconds_since(start_)},
              {"device", c.device.str()}};
  on_rank0(c.comm, "writing summary.json", [&] { nas::write_json_file(c.directory->file("summary.json"), summary_); });
  if (!state_.best) {
    std::fprintf(stderr, "[train] done, but no evaluation had finite outputs: the training diverged and no "
                 "best.safetensors was written; run again in a new run directory with a lower train.lr or with "
                 "train.grad_clip (train.init_weights starts from a file of finite weights)\n");
    return;
  }
  if (c.print)
    std::printf("[train] done: %s, %lld MAdds, %lld params, best top-1 %.2f%% (epoch %lld, %s weights) -> %s\n",
                arch_.name.c_str(), static_cast<long long>(cost.madds), static_cast<long long>(cost.params),
                100 * state_.best->result.top1, static_cast<long long>(state_.best->epoch),
                state_.best->weights.c_str(), c.directory->file("best.safetensors").string().c_str());
}

}  // namespace

std::unique_ptr<Phase> make_train_phase(const RunSettings& settings) { return std::make_unique<TrainPhase>(settings); }

TrainOutcome run_training(const RunSettings& settings, const TrainControl& control) {
  TrainPhase phase(settings);
  RunControl run_control{.print = control.print_progress};
  if (control.stop) run_control.stop = [&](const PhaseCounters& c) { return control.stop(c.steps); };
  const bool completed = run_phase(phase, run_control);
  return {completed, phase.counters().steps, completed ? phase.summary() : nas::Json()};
}

}  // namespace autospace::apps
