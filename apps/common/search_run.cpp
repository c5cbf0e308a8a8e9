#include "apps/common/search_run.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <optional>

#include "apps/common/batch_stream.h"
#include "apps/common/distributed.h"
#include "apps/common/eval_run.h"
#include "apps/common/evaluate.h"
#include "apps/common/progress.h"
#include "apps/common/run_directory.h"
#include "apps/common/stop_signal.h"
#include "apps/common/svg_plot.h"
#include "apps/common/train_meter.h"
#include "engine/autograd/node.h"
#include "engine/io/atomic_file.h"
#include "engine/io/checkpoint.h"
#include "engine/optim/schedule.h"
#include "kernels/common/check.h"
#include "nas/arch_json.h"
#include "nas/network/weight_bank.h"
#include "nas/search/single_path.h"

namespace autospace::apps {

namespace {

// What both kinds of search share: settings, ranks, data streams, the run directory (rank
// 0 only) and the supernet training schedule.
struct SearchContext {
  const SearchSettings& s;
  const SearchLimits& limits;
  dist::Communicator& comm;
  nas::DataParallel parallel;
  RunDirectory* run;  // null on ranks other than 0
  std::filesystem::path checkpoint;
  const nas::SpaceTable& table;
  Device device;
  BatchStream train, holdout;
  std::shared_ptr<const data::Dataset> train_set, holdout_set;
  std::int64_t total_steps;
  optim::CosineSchedule schedule;

  bool lead() const { return run != nullptr; }
  void log(const nas::Json& record) const {
    if (run) run->log(record);
  }
  // A signal reaches the ranks at different steps: all stop at the first step any saw it.
  bool stop_now(std::int64_t steps, std::int64_t evaluations) const {
    const bool stop = stop_requested() || (limits.stop_after_steps >= 0 && steps >= limits.stop_after_steps) ||
                      (limits.stop_after_evaluations >= 0 && evaluations >= limits.stop_after_evaluations);
    return comm.world() > 1 ? any_rank(comm, stop) : stop;
  }
  void save(std::vector<NamedTensor> model, std::vector<NamedTensor> optimizer, nas::Json state) const {
    save_checkpoint_on_rank0(comm, checkpoint, {std::move(model), std::move(optimizer), std::move(state)});
  }
  // The checkpoint to resume from, if any.
  std::optional<io::Checkpoint> load() const {
    if (!checkpoint_exists_on_every_rank(comm, checkpoint)) return std::nullopt;
    io::Checkpoint ck = io::load_checkpoint(checkpoint);
    check_same_world(comm, ck.state, checkpoint.string());
    return ck;
  }
};

nas::Json layer_report(const nas::SpaceTable& table, const nas::ArchChoice& choice) {
  nas::Json layers = nas::Json::array();
  for (std::size_t l = 0; l < table.layers(); ++l)
    layers.push_back({{"layer", l},
                      {"candidate", choice[l]},
                      {"block", nas::describe(table.block(l, choice[l]))},
                      {"madds", table.costs(l)[choice[l]].madds}});
  return layers;
}

// ---- proxyless-g / proxyless-rl -------------------------------------------------------

struct GatedResult {
  bool complete = false;
  nas::ArchChoice choice;
  nas::Json summary;
  std::int64_t steps = 0;
};

GatedResult run_gated(SearchContext& c) {
  const SearchSettings& s = c.s;
  nas::GatedSearch search(c.table, s.gated, s.seed);
  search.distribute(c.parallel);
  bool finished = false;
  if (const auto ck = c.load()) {
    search.restore(ck->state.at("searcher"), ck->model, ck->optimizer, c.checkpoint.string());
    finished = ck->state.value("finished", false);
    if (c.lead())
      std::printf("[search] resuming %s at step %lld of %lld\n", s.run_dir.c_str(),
                  static_cast<long long>(search.weight_steps()), static_cast<long long>(c.total_steps));
  }
  const auto checkpoint = [&](bool done) {
    c.save(search.tensors(), search.optimizer_tensors(),
           {{"method", to_string(s.method)}, {"searcher", search.state()}, {"finished", done}});
  };
  const std::int64_t arch_start = static_cast<std::int64_t>(s.arch_warmup_epochs * c.train.steps_per_epoch());
  Progress progress("search", c.total_steps, search.weight_steps());
  TrainMeter meter;
  double arch_loss = 0, arch_accuracy = 0, reward = 0;
  std::int64_t arch_count = 0;
  while (!finished && search.weight_steps() < c.total_steps) {
    const std::int64_t step = search.weight_steps();
    if (c.stop_now(step, 0)) {
      checkpoint(false);
      if (c.lead()) std::printf("[search] stopped at step %lld; run again to resume\n", static_cast<long long>(step));
      return {false, {}, {}, step};
    }
    const data::Batch batch = c.train.at(step);
    meter.add(search.weight_step(input_tensor(batch, s.data, c.device), batch.labels, c.schedule.lr(step)), batch);
    if (step >= arch_start && (step + 1) % s.arch_every == 0) {
      const data::Batch held = c.holdout.at(search.arch_steps());
      const nas::ArchStepResult r = search.arch_step(input_tensor(held, s.data, c.device), held.labels);
      arch_loss += r.loss, arch_accuracy += r.accuracy, reward += r.reward, ++arch_count;
    }
    char details[160];
    std::snprintf(details, sizeof details, "%s  E[MAdds] %.2fM  entropy %.3f", meter.line().c_str(),
                  search.expected_madds() / 1e6, search.mean_entropy());
    if (c.lead()) progress.step(step, batch.size() * c.comm.world(), details);
    if ((step + 1) % s.log_every == 0 || step + 1 == c.total_steps) {
      const nas::ArchChoice argmax = search.argmax();
      const TrainMeter all = meter.combined(c.parallel);
      nas::Json record = {{"step", step + 1},
                          {"lr", c.schedule.lr(step)},
                          {"loss", all.loss()},
                          {"accuracy", all.accuracy()},
                          {"expected_madds", search.expected_madds()},
                          {"argmax_madds", c.table.cost(argmax).madds},
                          {"entropy", search.mean_entropy()},
                          {"probabilities", search.probabilities()},
                          {"images_per_second", progress.items_per_second()}};
      if (arch_count > 0) {
        record["arch_loss"] = arch_loss / static_cast<double>(arch_count);
        record["arch_accuracy"] = arch_accuracy / static_cast<double>(arch_count);
        if (s.method == SearchMethod::proxyless_rl) {
          record["reward"] = reward / static_cast<double>(arch_count);
          record["baseline"] = search.baseline().value_or(0.0);
        }
      }
      c.log(record);
      meter = {};
      arch_loss = arch_accuracy = reward = 0, arch_count = 0;
    }
    if ((step + 1) % s.checkpoint_every == 0) checkpoint(false);
  }
  if (!finished) checkpoint(true);

  GatedResult result{true, search.argmax(), {}, search.weight_steps()};
  nas::Json layers = layer_report(c.table, result.choice);
  const auto p = search.probabilities();
  const auto h = search.entropies();
  for (std::size_t l = 0; l < p.size(); ++l) {
    layers[l]["probabilities"] = p[l];
    layers[l]["entropy"] = h[l];
  }
  result.summary = {{"expected_madds", search.expected_madds()}, {"mean_entropy", search.mean_entropy()},
                    {"arch_steps", search.arch_steps()}, {"layers", layers}};
  return result;
}

// ---- spos / random ----------------------------------------------------------------------

// Held-out top-1 of one architecture on the shared weights: its path activated, BN
// statistics re-estimated on the same training batches for every candidate, then the
// held-out batches in evaluation mode.
double evaluate_choice(nas::SinglePathSupernet& net, const nas::ArchChoice& choice, SearchContext& c,
                       BatchStream& recalibration, BatchStream& held, std::int64_t held_batches) {
  net.activate(choice);
  nn::Module& model = net.supernet();
  NoGradGuard no_grad;
  if (c.s.recalibration_batches > 0) {
    train_without_dropout(model);
    nas::begin_bn_recalibration(model);
    const auto sync = c.parallel.batch_norm_scope();
    for (int i = 0; i < c.s.recalibration_batches; ++i) model.forward(input_tensor(recalibration.at(i), c.s.data, c.device));
    nas::end_bn_recalibration(model);
  }
  model.eval();
  std::int64_t correct = 0, seen = 0;
  for (std::int64_t i = 0; i < held_batches; ++i) {
    const data::Batch batch = held.at(i);
    correct += nn::count_topk_correct(model.forward(input_tensor(batch, c.s.data, c.device)), batch.labels, 1);
    seen += batch.size();
  }
  // Every rank scores its share of the held-out batches; all decide on the total.
  correct = c.parallel.sum(correct), seen = c.parallel.sum(seen);
  return seen ? static_cast<double>(correct) / static_cast<double>(seen) : 0.0;
}

nas::Json evaluated_json(const nas::EvaluatedArch& e) {
  return {{"choice", nas::choice_key(e.choice)}, {"accuracy", e.accuracy}, {"madds", e.cost.madds},
          {"params", e.cost.params}, {"generation", e.generation}};
}

void write_pareto_plot(const RunDirectory& run, const nas::ArchEvolution& evolution, double target) {
  PlotSeries all{"evaluated", {}, {}, true}, front{"Pareto front", {}, {}}, budget{"budget", {}, {}};
  double lo = INFINITY, hi = -INFINITY;
  for (const nas::EvaluatedArch& e : evolution.history()) {
    all.x.push_back(static_cast<double>(e.cost.madds) / 1e6);
    all.y.push_back(100 * e.accuracy);
    lo = std::min(lo, 100 * e.accuracy), hi = std::max(hi, 100 * e.accuracy);
  }
  for (const nas::EvaluatedArch& e : evolution.pareto_front()) {
    front.x.push_back(static_cast<double>(e.cost.madds) / 1e6);
    front.y.push_back(100 * e.accuracy);
  }
  if (lo <= hi) budget = {"MAdds budget", {target / 1e6, target / 1e6}, {lo, hi}};
  io::write_file_atomically(run.file("pareto.svg"),
                            svg_line_plot("Evaluated architectures (held-out top-1 on the shared weights)", "MAdds (M)",
                                          "top-1 (%)", {all, front, budget}));
}

struct SinglePathResult {
  bool complete = false;
  nas::ArchChoice choice;
  nas::Json summary;
  std::int64_t steps = 0, evaluations = 0;
};

SinglePathResult run_single_path(SearchContext& c) {
  const SearchSettings& s = c.s;
  nas::SinglePathSupernet net(c.table, {static_cast<std::int64_t>(s.target_madds), s.momentum, s.weight_decay, s.grad_clip},
                              s.seed);
  net.distribute(c.parallel);
  nas::ArchEvolution evolution(c.table, s.evolution, s.seed);
  if (const auto ck = c.load()) {
    net.restore(ck->state.at("searcher"), ck->model, ck->optimizer, c.checkpoint.string());
    evolution.restore(ck->state.at("evolution"), c.checkpoint.string());
    if (c.lead())
      std::printf("[search] resuming %s at step %lld of %lld, %zu architectures evaluated\n", s.run_dir.c_str(),
                static_cast<long long>(net.steps()), static_cast<long long>(c.total_steps), evolution.history().size());
  }
  const auto checkpoint = [&] {
    c.save(net.tensors(), net.optimizer_tensors(),
           {{"method", to_string(s.method)}, {"searcher", net.state()}, {"evolution", evolution.state()}});
  };
  const auto stopped = [&] {
    checkpoint();
    if (c.lead())
      std::printf("[search] stopped at step %lld after %zu evaluations; run again to resume\n",
                static_cast<long long>(net.steps()), evolution.history().size());
    return SinglePathResult{false, {}, {}, net.steps(), static_cast<std::int64_t>(evolution.history().size())};
  };

  // 1. Train the single-path supernet: every step a random architecture within the budget.
  Progress progress("search", c.total_steps, net.steps());
  TrainMeter meter;
  while (net.steps() < c.total_steps) {
    const std::int64_t step = net.steps();
    if (c.stop_now(step, static_cast<std::int64_t>(evolution.history().size()))) return stopped();
    const data::Batch batch = c.train.at(step);
    meter.add(net.weight_step(input_tensor(batch, s.data, c.device), batch.labels, c.schedule.lr(step)), batch);
    if (c.lead()) progress.step(step, batch.size() * c.comm.world(), meter.line());
    if ((step + 1) % s.log_every == 0 || step + 1 == c.total_steps) {
      const TrainMeter all = meter.combined(c.parallel);
      c.log({{"step", step + 1}, {"lr", c.schedule.lr(step)}, {"loss", all.loss()}, {"accuracy", all.accuracy()},
             {"path_madds", c.table.cost(net.active()).madds}, {"images_per_second", progress.items_per_second()}});
      meter = {};
    }
    if ((step + 1) % s.checkpoint_every == 0 || step + 1 == c.total_steps) checkpoint();
  }

  // 2. Evolution (or random search) on the trained weights.
  BatchStream recalibration(make_loader(c.train_set, s.data, s.batch_size, true, s.seed + 2, c.comm.rank(), c.comm.world()));
  auto held_loader = make_loader(c.holdout_set, s.data, s.batch_size, false, s.seed, c.comm.rank(), c.comm.world());
  const std::int64_t available = held_loader->steps_per_epoch();
  BatchStream held(std::move(held_loader));
  const std::int64_t held_batches = s.eval_batches > 0 ? std::min<std::int64_t>(s.eval_batches, available) : available;
  AUTOSPACE_CHECK(held_batches > 0, "the held-out split has fewer images than one batch (", s.batch_size,
                  "): raise data.holdout_fraction or lower search.batch_size");
  while (!evolution.finished()) {
    for (const nas::ArchChoice& choice : evolution.proposals()) {
      if (evolution.evaluated(choice)) continue;
      if (c.stop_now(net.steps(), static_cast<std::int64_t>(evolution.history().size()))) return stopped();
      evolution.record(choice, evaluate_choice(net, choice, c, recalibration, held, held_batches));
      nas::Json record = evaluated_json(evolution.history().back());
      record["event"] = "evaluate";
      c.log(record);
    }
    const nas::EvaluatedArch& best = evolution.best();
    if (c.lead())
      std::printf("[search] generation %d: %zu evaluated, best %.2f%% at %.2fM MAdds\n", evolution.generation(),
                  evolution.history().size(), 100 * best.accuracy, static_cast<double>(best.cost.madds) / 1e6);
    c.log({{"event", "generation"}, {"generation", evolution.generation()}, {"evaluated", evolution.history().size()},
           {"best_accuracy", best.accuracy}, {"best_madds", best.cost.madds}});
    evolution.next_generation();
    checkpoint();
  }

  SinglePathResult result{true, evolution.best().choice, {}, net.steps(),
                          static_cast<std::int64_t>(evolution.history().size())};
  nas::Json front = nas::Json::array(), population = nas::Json::array();
  for (const auto& e : evolution.pareto_front()) front.push_back(evaluated_json(e));
  for (const auto& e : evolution.population()) population.push_back(evaluated_json(e));
  result.summary = {{"supernet_accuracy", evolution.best().accuracy},
                    {"evaluations", evolution.history().size()},
                    {"pareto_front", front},
                    {"population", population},
                    {"layers", layer_report(c.table, result.choice)}};
  if (c.lead()) write_pareto_plot(*c.run, evolution, s.target_madds);
  return result;
}

// One axis for all: the loss, E[MAdds] as a fraction of the budget, the entropy in nats.
void write_training_plot(const RunDirectory& run, bool gated, double target_madds) {
  PlotSeries loss{"training loss", {}, {}}, madds{"E[MAdds] / target", {}, {}}, entropy{"mean entropy (nats)", {}, {}};
  std::ifstream in(run.file("metrics.jsonl"));
  for (std::string line; std::getline(in, line);) {
    const nas::Json j = nas::Json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.contains("loss") || !j.contains("step")) continue;
    const double step = j["step"].get<double>();
    loss.x.push_back(step), loss.y.push_back(j["loss"].get<double>());
    if (j.contains("expected_madds")) {
      madds.x.push_back(step), madds.y.push_back(j["expected_madds"].get<double>() / target_madds);
      entropy.x.push_back(step), entropy.y.push_back(j["entropy"].get<double>());
    }
  }
  std::vector<PlotSeries> series = {loss};
  if (gated) series.insert(series.end(), {madds, entropy});
  io::write_file_atomically(run.file("search.svg"), svg_line_plot("Search", "step", "", series));
}

}  // namespace

SearchOutcome run_search(const SearchSettings& s, const SearchLimits& limits) {
  // Under mpirun/srun each rank searches on its share of every batch; rank 0 alone writes
  // the run directory, logs and prints (docs/distributed.md).
  dist::Communicator& comm = setup_distributed(s.distributed);
  nas::Json resolved = to_json(s);
  resolved["distributed"].erase("timeout_s");  // timing knobs may change on resume
  resolved["distributed"].erase("bucket_mb");
  std::unique_ptr<RunDirectory> run;
  on_rank0(comm, "preparing the run directory", [&] { run = std::make_unique<RunDirectory>(s.run_dir, resolved); });
  if (s.threads > 0) set_num_threads(s.threads);
  const Device device = parse_device(s.device);
  AUTOSPACE_CHECK(device.is_cpu(), "autospace-search: device ", device.str(), " is not supported yet (CPU only)");
  const nas::SpaceTable table(*s.space);
  if (static_cast<double>(table.min_madds()) > s.target_madds)
    nas::json_fail("search.target_madds", std::to_string(static_cast<std::int64_t>(s.target_madds)) +
                                              " is below the cheapest network of " + s.space_origin() + " (" +
                                              std::to_string(table.min_madds()) + " MAdds)");

  Datasets sets;
  rank0_first(comm, "opening the data sets", [&] { sets = open_datasets(s.data); });
  if (s.space->backbone().net.classes != sets.classes)
    AUTOSPACE_THROW(s.space_origin(), " classifies ", s.space->backbone().net.classes, " classes but the data has ",
                    sets.classes);
  const TrainHoldout split = split_holdout(sets, s.data, s.seed);
  BatchStream train(make_loader(split.train, s.data, s.batch_size, true, s.seed, comm.rank(), comm.world()));
  const std::int64_t per_epoch = train.steps_per_epoch();
  const std::int64_t total = static_cast<std::int64_t>(s.epochs) * per_epoch;
  SearchContext c{s,
                  limits,
                  comm,
                  comm.world() > 1 ? nas::DataParallel(comm, s.distributed.sync_bn,
                                                       static_cast<std::int64_t>(s.distributed.bucket_mb * (1 << 20)))
                                   : nas::DataParallel{},
                  run.get(),
                  RunDirectory::checkpoint_in(s.run_dir),
                  table,
                  device,
                  std::move(train),
                  BatchStream(make_loader(split.holdout, s.data, s.arch_batch_size, true, s.seed + 1, comm.rank(),
                                          comm.world())),
                  split.train,
                  split.holdout,
                  total,
                  optim::CosineSchedule(s.lr, total, static_cast<std::int64_t>(s.warmup_epochs * per_epoch), s.final_lr)};
  install_stop_handlers();

  nas::ArchChoice choice;
  nas::Json details;
  SearchOutcome outcome;
  if (s.gated_method()) {
    GatedResult r = run_gated(c);
    outcome = {r.complete, r.steps, 0};
    choice = r.choice, details = r.summary;
  } else {
    SinglePathResult r = run_single_path(c);
    outcome = {r.complete, r.steps, r.evaluations};
    choice = r.choice, details = r.summary;
  }
  if (!outcome.complete || !c.lead()) return outcome;

  const nas::Arch arch = table.arch(choice, "search-" + to_string(s.method));
  nas::save_arch(run->file("arch.json"), arch);
  const nas::Cost cost = table.cost(choice);
  nas::Json summary = {{"format", "autospace.search/1"},
                       {"method", to_string(s.method)},
                       {"space", {{"kind", std::string(nas::to_string(s.space->kind()))}, {"origin", s.space_origin()}}},
                       {"target_madds", static_cast<std::int64_t>(s.target_madds)},
                       {"choice", nas::choice_key(choice)},
                       {"madds", cost.madds},
                       {"params", cost.params},
                       {"steps", outcome.steps}};
  summary.update(details);
  nas::write_json_file(run->file("search-summary.json"), summary);
  write_training_plot(*run, s.gated_method(), s.target_madds);
  std::printf("[search] done: %s (%.2fM MAdds, %.2fM params; target %.2fM)\n", run->file("arch.json").c_str(),
              static_cast<double>(cost.madds) / 1e6, static_cast<double>(cost.params) / 1e6, s.target_madds / 1e6);
  return outcome;
}

}  // namespace autospace::apps
