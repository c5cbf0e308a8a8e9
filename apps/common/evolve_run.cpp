#include "apps/common/evolve_run.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>

#include "apps/common/batch_stream.h"
#include "apps/common/distributed.h"
#include "apps/common/progress.h"
#include "apps/common/run_directory.h"
#include "apps/common/stop_signal.h"
#include "apps/common/svg_plot.h"
#include "apps/common/train_meter.h"
#include "engine/io/atomic_file.h"
#include "engine/io/checkpoint.h"
#include "engine/optim/schedule.h"
#include "kernels/common/check.h"
#include "nas/draw_svg.h"
#include "nas/drawing.h"
#include "nas/space_json.h"

namespace autospace::apps {

namespace {

void save(dist::Communicator& comm, const std::filesystem::path& checkpoint, const nas::Evolution& evo, bool finished) {
  save_checkpoint_on_rank0(comm, checkpoint,
                           {evo.tensors(), evo.optimizer_tensors(), {{"evolution", evo.state()}, {"finished", finished}}});
}

// What the learned cells look like next to the reference DAG: Hamming distances and the
// most frequent edge ops over all top-K cells.
nas::Json describe_space(const nas::LearnedSpace& space) {
  std::map<std::string, int> ops;
  std::vector<int> distances;
  nas::Json layers = nas::Json::array();
  for (std::size_t l = 0; l < space.layer_count(); ++l) {
    nas::Json cells = nas::Json::array();
    for (const auto& c : space.cells(l)) {
      const int d = nas::hamming_distance(c.genotype, nas::reference_genotype());
      distances.push_back(d);
      for (const auto& op : c.genotype.edges)
        if (op.kind != nas::OpKind::zero) ++ops[nas::to_string(op)];
      cells.push_back({{"cell", nas::to_string(c.genotype)}, {"fitness", c.fitness.value_or(0)}, {"hamming_to_reference", d}});
    }
    layers.push_back(cells);
  }
  double mean = 0;
  for (int d : distances) mean += d;
  if (!distances.empty()) mean /= static_cast<double>(distances.size());
  return {{"reference", nas::to_string(nas::reference_genotype())},
          {"mean_hamming_to_reference", mean},
          {"edge_op_counts", ops},
          {"layers", layers}};
}

void write_fitness_plot(const RunDirectory& run) {
  PlotSeries best{"best fitness", {}, {}}, mean{"mean fitness", {}, {}}, entropy{"score entropy", {}, {}};
  std::ifstream in(run.file("metrics.jsonl"));
  for (std::string line; std::getline(in, line);) {
    const nas::Json j = nas::Json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.contains("best_fitness")) continue;
    const double step = j["step"].get<double>();
    best.x.push_back(step), best.y.push_back(j["best_fitness"].get<double>());
    mean.x.push_back(step), mean.y.push_back(j["mean_fitness"].get<double>());
    entropy.x.push_back(step), entropy.y.push_back(j["entropy"].get<double>());
  }
  io::write_file_atomically(run.file("fitness.svg"),
                            svg_line_plot("DEA fitness over time", "step", "fitness / entropy (nats)", {best, mean, entropy}));
}

}  // namespace

EvolveOutcome run_evolve(const EvolveSettings& s, std::int64_t stop_after_steps) {
  // Under mpirun/srun each rank evolves on its share of every batch; rank 0 alone writes
  // the run directory, logs and prints (docs/distributed.md).
  dist::Communicator& comm = setup_distributed(s.distributed);
  const bool lead = comm.rank() == 0;
  nas::Json resolved = to_json(s);
  resolved["distributed"].erase("timeout_s");  // timing knobs may change on resume
  resolved["distributed"].erase("bucket_mb");
  std::unique_ptr<RunDirectory> run_dir;
  on_rank0(comm, "preparing the run directory", [&] { run_dir = std::make_unique<RunDirectory>(s.run_dir, resolved); });
  const std::filesystem::path checkpoint = RunDirectory::checkpoint_in(s.run_dir);
  if (s.threads > 0) set_num_threads(s.threads);
  const Device device = parse_device(s.device);
  AUTOSPACE_CHECK(device.is_cpu(), "autospace-evolve: device ", device.str(), " is not supported yet (CPU only)");

  Datasets sets;
  rank0_first(comm, "opening the data sets", [&] { sets = open_datasets(s.data); });
  AUTOSPACE_CHECK(s.backbone.net.classes == sets.classes, "backbone.classes is ", s.backbone.net.classes,
                  " but the data has ", sets.classes, " classes");
  const TrainHoldout split = split_holdout(sets, s.data, s.seed);
  BatchStream train(make_loader(split.train, s.data, s.batch_size, true, s.seed, comm.rank(), comm.world()));
  BatchStream holdout(
      make_loader(split.holdout, s.data, s.score_batch_size, true, s.seed + 1, comm.rank(), comm.world()));
  const std::int64_t total = static_cast<std::int64_t>(s.epochs) * train.steps_per_epoch();
  optim::CosineSchedule schedule(s.lr, total, static_cast<std::int64_t>(s.warmup_epochs * train.steps_per_epoch()),
                                 s.final_lr);

  nas::Evolution evo(s.backbone, s.dea, s.seed, total);
  if (comm.world() > 1)
    evo.distribute(comm, s.distributed.sync_bn, static_cast<std::int64_t>(s.distributed.bucket_mb * (1 << 20)));
  bool finished = false;
  if (checkpoint_exists_on_every_rank(comm, checkpoint)) {
    const io::Checkpoint ck = io::load_checkpoint(checkpoint);
    check_same_world(comm, ck.state, checkpoint.string());
    evo.restore(ck.state.at("evolution"), ck.model, ck.optimizer, checkpoint.string());
    finished = ck.state.value("finished", false);
    if (lead)
      std::printf("[evolve] resuming %s at step %lld of %lld\n", s.run_dir.c_str(), static_cast<long long>(evo.step()),
                  static_cast<long long>(total));
  }

  install_stop_handlers();
  Progress progress("evolve", total, evo.step());
  TrainMeter meter;
  while (!finished && evo.step() < total) {
    // A signal reaches the ranks at different steps: all stop at the first step any saw it.
    const bool stop = stop_requested() || (stop_after_steps >= 0 && evo.step() >= stop_after_steps);
    if (comm.world() > 1 ? any_rank(comm, stop) : stop) {
      save(comm, checkpoint, evo, false);
      if (lead) std::printf("[evolve] stopped at step %lld; run again to resume\n", static_cast<long long>(evo.step()));
      return {false, evo.step()};
    }
    if (evo.regeneration_due()) {
      evo.regenerate();
      const auto st = evo.stats();
      if (lead)
        run_dir->log({{"step", evo.step()}, {"event", "regenerate"}, {"round", evo.round()},
                      {"best_fitness", st.best_fitness}, {"mean_fitness", st.mean_fitness}, {"entropy", st.entropy},
                      {"diversity", st.diversity}});
    }
    const std::int64_t step = evo.step();
    const data::Batch batch = train.at(step);
    meter.add(evo.weight_step(input_tensor(batch, s.data, device), batch.labels, schedule.lr(step)), batch);
    if ((step + 1) % s.score_every == 0) {
      const std::int64_t k = (step + 1) / s.score_every - 1;
      const data::Batch held = holdout.at(k);
      evo.score_step(input_tensor(held, s.data, device), held.labels);
    }
    char details[160];
    std::snprintf(details, sizeof details, "%s  round %lld", meter.line().c_str(), static_cast<long long>(evo.round()));
    if (lead) progress.step(step, batch.size() * comm.world(), details);
    if ((step + 1) % s.log_every == 0 || step + 1 == total) {
      const TrainMeter all = meter.combined(evo.parallel());
      const auto st = evo.stats();
      if (lead)
        run_dir->log({{"step", step + 1}, {"lr", schedule.lr(step)}, {"loss", all.loss()},
                      {"accuracy", all.accuracy()}, {"entropy", st.entropy},
                      {"best_fitness", st.best_fitness}, {"mean_fitness", st.mean_fitness},
                      {"diversity", st.diversity}, {"images_per_second", progress.items_per_second()},
                      {"round", evo.round()}});
      meter = {};
    }
    if ((step + 1) % s.checkpoint_every == 0) save(comm, checkpoint, evo, false);
  }
  if (!finished) {
    evo.finish();
    save(comm, checkpoint, evo, true);
  }
  if (!lead) return {true, evo.step()};
  const RunDirectory& run = *run_dir;

  const nas::LearnedSpace space = evo.learned_space();
  nas::save_space(run.file("space.json"), space);
  io::write_file_atomically(run.file("space.svg"), nas::draw_svg(nas::space_figure(space)));
  write_fitness_plot(run);
  const nas::Json summary = describe_space(space);
  nas::write_json_file(run.file("evolve-summary.json"), summary);
  std::printf("[evolve] done: %s (mean Hamming distance of the top cells to the reference %.2f)\n",
              run.file("space.json").c_str(), summary["mean_hamming_to_reference"].get<double>());
  return {true, evo.step()};
}

}  // namespace autospace::apps
