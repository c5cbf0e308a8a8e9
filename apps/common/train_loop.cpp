#include "apps/common/train_loop.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <optional>

#include "apps/common/distributed.h"
#include "apps/common/evaluate.h"
#include "apps/common/progress.h"
#include "apps/common/run_directory.h"
#include "apps/common/stop_signal.h"
#include "apps/common/weight_ema.h"
#include "apps/common/weights_file.h"
#include "engine/dist/gradient_reducer.h"
#include "engine/io/checkpoint.h"
#include "engine/nn/dropout.h"
#include "engine/ops/batch_norm.h"
#include "engine/ops/cross_entropy.h"
#include "engine/optim/grad_utils.h"
#include "engine/optim/optimizer.h"
#include "engine/optim/schedule.h"
#include "kernels/common/check.h"
#include "nas/arch_json.h"
#include "nas/cost_model.h"
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
  Evaluation result;

  nas::Json to_json() const {
    return {{"epoch", epoch},       {"weights", weights},     {"top1", result.top1},
            {"top5", result.top5}, {"loss", result.loss}, {"images", result.images}};
  }
};

nas::Json to_json(const std::optional<EpochEvaluation>& e) { return e ? e->to_json() : nas::Json(); }

std::optional<EpochEvaluation> evaluation_from_json(const nas::Json& j) {
  if (j.is_null()) return std::nullopt;
  return EpochEvaluation{j.at("epoch").get<std::int64_t>(), j.at("weights").get<std::string>(),
                         {j.at("top1").get<double>(), j.at("top5").get<double>(), j.at("loss").get<double>(),
                          j.at("images").get<std::int64_t>()}};
}

// Loss and top-1 sums over some training steps (a log interval, an epoch).
struct Tally {
  double loss = 0;  // sum over images
  std::int64_t correct = 0, images = 0, steps = 0;

  void add(double batch_loss, std::int64_t batch_correct, std::int64_t batch_images) {
    loss += batch_loss * static_cast<double>(batch_images);
    correct += batch_correct;
    images += batch_images;
    ++steps;
  }
  double mean_loss() const { return images ? loss / static_cast<double>(images) : 0; }
  double top1() const { return images ? static_cast<double>(correct) / static_cast<double>(images) : 0; }
  nas::Json to_json() const { return {{"loss", loss}, {"correct", correct}, {"images", images}, {"steps", steps}}; }
  static Tally from_json(const nas::Json& j) {
    return {j.at("loss").get<double>(), j.at("correct").get<std::int64_t>(), j.at("images").get<std::int64_t>(),
            j.at("steps").get<std::int64_t>()};
  }
};

// What the checkpoint carries besides tensors. Randomness needs nothing: every stream is
// keyed by (seed, epoch, step).
struct LoopState {
  std::int64_t epoch = 0, step = 0;  // the next step to run
  std::int64_t nonfinite_skipped = 0;
  double wall_seconds = 0;  // spent in earlier processes of this run
  Tally epoch_tally;        // the current epoch so far
  std::optional<EpochEvaluation> best, last, last_ema;  // none before the first evaluation
};

class Trainer {
 public:
  Trainer(const RunSettings& settings, const TrainControl& control);
  TrainOutcome run();

 private:
  std::int64_t steps_done() const { return state_.epoch * steps_per_epoch_ + state_.step; }
  void resume();
  // Runs the rest of the current epoch; false when a stop was requested (checkpoint written).
  bool train_epoch(Progress& progress);
  void train_step(const data::Batch& batch, Tally& interval);
  void end_epoch();
  // Every rank evaluates its share of the validation set (with rank 0's BN statistics);
  // the results, the same on every rank, are over the whole set.
  void evaluate_epoch(std::optional<EpochEvaluation>& raw, std::optional<EpochEvaluation>& averaged);
  void save_epoch(const std::optional<EpochEvaluation>& raw, const std::optional<EpochEvaluation>& averaged);  // rank 0
  void save_checkpoint();
  WeightsMetadata weights_metadata(const std::optional<EpochEvaluation>& evaluation, const std::string& source) const;
  nas::Json summary() const;

  const RunSettings& s_;
  TrainControl control_;
  dist::Communicator& comm_;
  bool lead_;  // rank 0: the only rank that writes files, logs and prints
  Clock::time_point start_ = Clock::now();
  Device device_;
  nas::Arch arch_;
  std::unique_ptr<RunDirectory> run_;  // rank 0 only
  std::filesystem::path checkpoint_;
  Datasets sets_;
  std::unique_ptr<data::Loader> train_loader_, val_loader_;
  std::int64_t steps_per_epoch_ = 0, total_steps_ = 0;
  std::shared_ptr<nn::Sequential> model_;
  std::vector<Tensor> parameters_;
  std::unique_ptr<dist::GradientReducer> reducer_;  // with more than one rank
  std::unique_ptr<optim::SGD> optimizer_;
  std::unique_ptr<optim::CosineSchedule> schedule_;
  std::unique_ptr<optim::NonFiniteGuard> guard_;
  std::optional<WeightEma> ema_;
  LoopState state_;
  Clock::time_point interval_start_ = Clock::now();
};

Trainer::Trainer(const RunSettings& settings, const TrainControl& control)
    : s_(settings), control_(control), comm_(setup_distributed(settings.distributed)), lead_(comm_.rank() == 0) {
  if (!control_.stop) control_.stop = [](std::int64_t) { return stop_requested(); };
  control_.print_progress = control_.print_progress && lead_;
  device_ = setup_device(s_);
  // One GPU per process on a node: "cuda" and "auto" mean this rank's GPU (an explicit
  // "cuda:N" is taken as written).
  if (device_.is_cuda() && comm_.local_world() > 1 && (s_.device == "cuda" || s_.device == "auto"))
    device_ = parse_device("cuda:" + std::to_string(comm_.local_rank()));
  arch_ = s_.arch;
  if (s_.train.dropout) arch_.net.head.dropout = *s_.train.dropout;
  check_resolution(s_);

  // Neither evaluation nor the collectives' timing change the training, so they may
  // differ on resume.
  nas::Json resolved = to_json(s_);
  resolved.erase("eval");
  resolved["distributed"].erase("timeout_s");
  resolved["distributed"].erase("bucket_mb");
  on_rank0(comm_, "preparing the run directory", [&] { run_ = std::make_unique<RunDirectory>(s_.run_dir, resolved); });
  checkpoint_ = RunDirectory::checkpoint_in(s_.run_dir);

  // Rank 0 first: opening a synthetic set generates it once.
  rank0_first(comm_, "opening the data sets", [&] { sets_ = open_datasets(s_.data); });
  check_classes(s_, sets_.classes);
  train_loader_ =
      make_loader(sets_.train, s_.data, s_.train.batch_size, true, s_.seed, comm_.rank(), comm_.world());
  val_loader_ = make_loader(sets_.val, s_.data, s_.train.batch_size, false, s_.seed, comm_.rank(), comm_.world());
  steps_per_epoch_ = train_loader_->steps_per_epoch();
  if (steps_per_epoch_ == 0)
    nas::json_fail("train.batch_size",
                   std::to_string(s_.train.batch_size) +
                       (comm_.world() > 1 ? " x " + std::to_string(comm_.world()) + " ranks" : std::string()) +
                       " is larger than the training set (" + std::to_string(sets_.train->size()) + " images)");
  total_steps_ = steps_per_epoch_ * s_.train.epochs;

  model_ = nas::build_network(arch_, s_.seed);
  model_->to(device_);
  parameters_ = model_->parameters();
  if (comm_.world() > 1)
    reducer_ = std::make_unique<dist::GradientReducer>(
        comm_, model_->named_parameters(), static_cast<std::int64_t>(s_.distributed.bucket_mb * (1 << 20)));
  const nn::DecayGroups groups = nn::split_weight_decay(model_->named_parameters());
  optimizer_ = std::make_unique<optim::SGD>(
      std::vector<optim::ParamGroup>{{groups.decay, static_cast<float>(s_.train.weight_decay)},
                                     {groups.no_decay, 0.f}},
      optim::SgdOptions{static_cast<float>(s_.train.momentum), s_.train.nesterov});
  const auto warmup = static_cast<std::int64_t>(std::llround(s_.train.warmup_epochs * steps_per_epoch_));
  // The ramp starts at lr / warmup rather than 0, so that no step is spent at rate 0.
  schedule_ = std::make_unique<optim::CosineSchedule>(
      static_cast<float>(s_.train.lr), total_steps_, warmup, static_cast<float>(s_.train.final_lr),
      warmup > 0 ? static_cast<float>(s_.train.lr / static_cast<double>(warmup)) : 0.f);
  guard_ = std::make_unique<optim::NonFiniteGuard>(s_.train.max_nonfinite);
  if (s_.train.ema_decay > 0) {
    auto shadow = nas::build_network(arch_, s_.seed);
    shadow->to(device_);
    ema_.emplace(std::move(shadow), *model_, s_.train.ema_decay);
  }
  if (checkpoint_exists_on_every_rank(comm_, checkpoint_)) resume();
  on_rank0(comm_, "writing arch.json", [&] { nas::save_arch(run_->file("arch.json"), arch_); });
}

void Trainer::resume() {
  const io::Checkpoint c = io::load_checkpoint(checkpoint_);
  const std::string source = checkpoint_.string();
  const nas::Json j = c.state;
  if (!j.contains("arch") || nas::arch_from_json(j.at("arch")) != arch_)
    AUTOSPACE_THROW(source, ": the checkpoint was trained on another architecture than ", s_.arch_origin(),
                    " describes now; use another run directory");
  check_same_world(comm_, j, source);
  nn::load_state(*model_, c.model, source);
  std::vector<NamedTensor> optimizer_state, ema_state;
  const std::string prefix = kEmaPrefix;
  for (const auto& [name, t] : c.optimizer) {
    if (name.rfind(prefix, 0) == 0) ema_state.emplace_back(name.substr(prefix.size()), t);
    else optimizer_state.emplace_back(name, t);
  }
  optimizer_->load_state(optimizer_state, source);
  if (ema_) nn::load_state(ema_->shadow(), ema_state, source + " (weight EMA)");
  else if (!ema_state.empty()) AUTOSPACE_THROW(source, ": holds a weight EMA but train.ema_decay is 0");

  state_.epoch = j.at("epoch").get<std::int64_t>();
  state_.step = j.at("step").get<std::int64_t>();
  if (state_.step > steps_per_epoch_)
    AUTOSPACE_THROW(source, ": stopped at step ", state_.step, " of an epoch that now has ", steps_per_epoch_,
                    " steps (did the training set change?)");
  state_.nonfinite_skipped = j.at("nonfinite_skipped").get<std::int64_t>();
  state_.wall_seconds = j.at("wall_seconds").get<double>();
  state_.epoch_tally = Tally::from_json(j.at("epoch_tally"));
  state_.best = evaluation_from_json(j.at("best"));
  state_.last = evaluation_from_json(j.at("last"));
  state_.last_ema = evaluation_from_json(j.at("last_ema"));
  if (!control_.print_progress) return;
  if (state_.epoch == s_.train.epochs)
    std::printf("[train] %s has finished all %d epochs\n", s_.run_dir.string().c_str(), s_.train.epochs);
  else
    std::printf("[train] resuming %s at epoch %lld, step %lld/%lld\n", s_.run_dir.string().c_str(),
                static_cast<long long>(state_.epoch + 1), static_cast<long long>(state_.step),
                static_cast<long long>(steps_per_epoch_));
}

void Trainer::save_checkpoint() {
  io::Checkpoint c;
  c.model = nn::state_of(*model_);
  c.optimizer = optimizer_->state();
  if (ema_)
    for (const auto& [name, t] : nn::state_of(ema_->shadow())) c.optimizer.emplace_back(kEmaPrefix + name, t);
  const nas::Json j = {{"epoch", state_.epoch},
                       {"step", state_.step},
                       {"steps_done", steps_done()},
                       {"nonfinite_skipped", state_.nonfinite_skipped},
                       {"wall_seconds", state_.wall_seconds + seconds_since(start_)},
                       {"epoch_tally", state_.epoch_tally.to_json()},
                       {"best", to_json(state_.best)},
                       {"last", to_json(state_.last)},
                       {"last_ema", to_json(state_.last_ema)},
                       {"arch", nas::arch_to_json(arch_)}};
  c.state = j;
  save_checkpoint_on_rank0(comm_, checkpoint_, std::move(c));
}

void Trainer::train_step(const data::Batch& batch, Tally& interval) {
  // Masks are drawn per batch position: each rank gets streams of its own, else the same
  // position on every rank would share its dropout and drop-path masks.
  nn::set_rng_step(*model_, static_cast<std::uint32_t>(state_.epoch),
                   static_cast<std::uint32_t>(state_.step * comm_.world() + comm_.rank()));
  optimizer_->zero_grad();
  const Tensor labels = batch.labels.to(device_);
  Tensor logits, loss;
  {
    std::optional<ops::SyncBatchNorm> sync;
    if (reducer_ && s_.distributed.sync_bn) sync.emplace(comm_);
    logits = model_->forward(input_tensor(batch, s_.data, device_));
    loss = ops::softmax_cross_entropy(logits, labels, static_cast<float>(s_.train.label_smoothing));
    if (reducer_) reducer_->backward(loss);
    else loss.backward();
  }
  // Every rank decides on the averaged gradients and the global batch's loss, so the
  // decisions (clipping, skipping a non-finite step) agree.
  const double norm =
      s_.train.grad_clip > 0 ? optim::clip_grad_norm(parameters_, s_.train.grad_clip) : optim::grad_norm(parameters_);
  double loss_value = loss.item();
  std::int64_t correct = nn::count_topk_correct(logits, batch.labels, 1), images = batch.size();
  if (reducer_) {
    const Tensor totals = Tensor::from_vector(
        {static_cast<float>(loss_value * static_cast<double>(images)), static_cast<float>(correct),
         static_cast<float>(images)},
        {3});
    comm_.all_reduce(totals, dist::ReduceOp::sum);
    const float* t = totals.data<float>();
    images = std::llround(t[2]);
    correct = std::llround(t[1]);
    loss_value = t[0] / t[2];
  }
  if (!guard_->accept(loss_value, norm)) {
    ++state_.nonfinite_skipped;
    if (lead_)
      std::fprintf(stderr, "[train] epoch %lld step %lld: non-finite %s, step skipped\n",
                 static_cast<long long>(state_.epoch + 1), static_cast<long long>(state_.step),
                 std::isfinite(loss_value) ? "gradient" : "loss");
    return;  // nor counted in the metrics, whose means would turn non-finite for good
  }
  optimizer_->step(schedule_->lr(steps_done()));
  if (ema_) ema_->update(*model_);
  state_.epoch_tally.add(loss_value, correct, images);
  interval.add(loss_value, correct, images);
}

bool Trainer::train_epoch(Progress& progress) {
  if (state_.step == steps_per_epoch_) return true;  // stopped after the last step, before the evaluation
  train_loader_->start_epoch(static_cast<std::uint32_t>(state_.epoch), state_.step);
  Tally interval;
  interval_start_ = Clock::now();
  while (auto batch = train_loader_->next()) {
    AUTOSPACE_CHECK(batch->step == state_.step, "loader delivered step ", batch->step, ", expected ", state_.step);
    const float lr = schedule_->lr(steps_done());
    // A batch whose every file was bad is empty: one process skips it, but a rank of
    // several cannot leave the others waiting in the step's collectives.
    if (batch->size() == 0 && reducer_)
      AUTOSPACE_THROW("rank ", comm_.rank(), ": every image of epoch ", state_.epoch + 1, " step ", state_.step,
                      " was unreadable; a data-parallel run cannot skip a step on one rank (data.bad_files)");
    if (batch->size() > 0) train_step(*batch, interval);
    ++state_.step;
    const std::int64_t done = steps_done();
    if (control_.print_progress) {
      char details[128];
      std::snprintf(details, sizeof details, "epoch %lld/%d  loss %.4f  lr %.5f", static_cast<long long>(state_.epoch + 1),
                    s_.train.epochs, state_.epoch_tally.mean_loss(), lr);
      progress.step(done - 1, batch->size() * comm_.world(), details);
    }
    if (lead_ && done % s_.train.log_every_steps == 0 && interval.steps > 0) {
      const double seconds = seconds_since(interval_start_);
      run_->log({{"kind", "step"},
                 {"epoch", state_.epoch + 1},
                 {"step", state_.step},
                 {"steps_done", done},
                 {"loss", interval.mean_loss()},
                 {"top1", interval.top1()},
                 {"lr", lr},
                 {"images_per_second", seconds > 0 ? static_cast<double>(interval.images) / seconds : 0}});
      interval = {};
      interval_start_ = Clock::now();
    }
    // A signal reaches the ranks at different steps: all stop at the first step any saw it.
    const bool stop = reducer_ ? any_rank(comm_, control_.stop(done)) : control_.stop(done);
    if (stop) {
      save_checkpoint();
      if (control_.print_progress)
        std::printf("[train] stopped at epoch %lld step %lld/%lld; checkpoint written to %s (run again to resume)\n",
                    static_cast<long long>(state_.epoch + 1), static_cast<long long>(state_.step),
                    static_cast<long long>(steps_per_epoch_), checkpoint_.string().c_str());
      return false;
    }
    // The epoch's last step is checkpointed by end_epoch, after the evaluation.
    if (s_.train.checkpoint_every_steps > 0 && done % s_.train.checkpoint_every_steps == 0 &&
        state_.step < steps_per_epoch_)
      save_checkpoint();
  }
  AUTOSPACE_CHECK(state_.step == steps_per_epoch_, "the loader ended epoch ", state_.epoch + 1, " after ",
                  state_.step, " of ", steps_per_epoch_, " steps");
  return true;
}

WeightsMetadata Trainer::weights_metadata(const std::optional<EpochEvaluation>& evaluation,
                                          const std::string& source) const {
  WeightsMetadata m = {{"arch_name", arch_.name},
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

void Trainer::end_epoch() {
  std::optional<EpochEvaluation> raw, averaged;
  evaluate_epoch(raw, averaged);
  on_rank0(comm_, "saving epoch " + std::to_string(state_.epoch + 1), [&] { save_epoch(raw, averaged); });
  ++state_.epoch;
  state_.step = 0;
  state_.epoch_tally = {};
  save_checkpoint();
}

void Trainer::evaluate_epoch(std::optional<EpochEvaluation>& raw, std::optional<EpochEvaluation>& averaged) {
  const std::int64_t epoch = state_.epoch + 1;  // 1-based in files and messages
  if (epoch % s_.train.eval_every_epochs != 0 && epoch != s_.train.epochs) return;
  if (comm_.world() > 1) {
    // With per-rank BN statistics the ranks' running statistics differ; rank 0's are the
    // ones saved, so those are the ones evaluated (as DDP broadcasts buffers). Staged
    // through the host: the MPI communicator moves CPU tensors.
    std::vector<NamedTensor> buffers = model_->named_buffers();
    if (ema_)
      for (auto& b : ema_->shadow().named_buffers()) buffers.push_back(std::move(b));
    for (const auto& [name, t] : buffers) {
      const Tensor host = Tensor::empty(t.shape(), t.dtype());
      host.copy_from(t);
      comm_.broadcast(host, 0);
      t.copy_from(host);
    }
  }
  raw = EpochEvaluation{epoch, "raw", evaluate(*model_, *val_loader_, s_.data, device_, &comm_)};
  state_.last = raw;
  if (ema_) {
    averaged = EpochEvaluation{epoch, "ema", evaluate(ema_->shadow(), *val_loader_, s_.data, device_, &comm_)};
    state_.last_ema = averaged;
  }
}

void Trainer::save_epoch(const std::optional<EpochEvaluation>& raw, const std::optional<EpochEvaluation>& averaged) {
  const std::int64_t epoch = state_.epoch + 1;
  nas::Json record = {{"kind", "epoch"},
                      {"epoch", epoch},
                      {"train_loss", state_.epoch_tally.mean_loss()},
                      {"train_top1", state_.epoch_tally.top1()},
                      {"lr", schedule_->lr(steps_done() - 1)}};
  if (raw) record["val"] = raw->to_json();
  if (averaged) record["val_ema"] = averaged->to_json();
  save_weights(run_->file("last.safetensors"), *model_, weights_metadata(raw, "raw"));
  if (ema_) save_weights(run_->file("last_ema.safetensors"), ema_->shadow(), weights_metadata(averaged, "ema"));
  // best.safetensors: the highest validation top-1 so far, of the raw or the EMA weights.
  const auto keep_if_best = [&](const std::optional<EpochEvaluation>& evaluation, const nn::Module& weights) {
    if (!evaluation || (state_.best && evaluation->result.top1 <= state_.best->result.top1)) return;
    state_.best = evaluation;
    save_weights(run_->file("best.safetensors"), weights, weights_metadata(evaluation, evaluation->weights));
  };
  keep_if_best(raw, *model_);
  if (ema_) keep_if_best(averaged, ema_->shadow());
  if (state_.best) record["best_top1"] = state_.best->result.top1;
  record["nonfinite_skipped"] = state_.nonfinite_skipped;
  record["seconds"] = state_.wall_seconds + seconds_since(start_);
  run_->log(record);
  if (control_.print_progress) {
    std::printf("[train] epoch %lld/%d  train loss %.4f top-1 %.2f%%", static_cast<long long>(epoch), s_.train.epochs,
                state_.epoch_tally.mean_loss(), 100 * state_.epoch_tally.top1());
    if (raw)
      std::printf("  val loss %.4f top-1 %.2f%% top-5 %.2f%%", raw->result.loss, 100 * raw->result.top1,
                  100 * raw->result.top5);
    if (averaged) std::printf("  ema top-1 %.2f%%", 100 * averaged->result.top1);
    std::printf("\n");
    std::fflush(stdout);
  }
}

nas::Json Trainer::summary() const {
  const nas::Cost cost = nas::arch_cost(arch_).total;
  return {{"format", "autospace.train-summary/1"},
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
          {"wall_seconds", state_.wall_seconds + seconds_since(start_)},
          {"device", device_.str()}};
}

TrainOutcome Trainer::run() {
  Progress progress("train", total_steps_, steps_done());
  while (state_.epoch < s_.train.epochs) {
    if (!train_epoch(progress)) return {false, steps_done(), nullptr};
    end_epoch();
  }
  TrainOutcome out{true, steps_done(), summary()};
  on_rank0(comm_, "writing summary.json", [&] { nas::write_json_file(run_->file("summary.json"), out.summary); });
  if (control_.print_progress)
    std::printf("[train] done: %s, %lld MAdds, %lld params, best top-1 %.2f%% (epoch %lld, %s weights) -> %s\n",
                arch_.name.c_str(), static_cast<long long>(out.summary.at("madds").get<std::int64_t>()),
                static_cast<long long>(out.summary.at("params").get<std::int64_t>()), 100 * state_.best->result.top1,
                static_cast<long long>(state_.best->epoch), state_.best->weights.c_str(),
                run_->file("best.safetensors").string().c_str());
  return out;
}

}  // namespace

TrainOutcome run_training(const RunSettings& settings, const TrainControl& control) {
  Trainer trainer(settings, control);
  return trainer.run();
}

}  // namespace autospace::apps
