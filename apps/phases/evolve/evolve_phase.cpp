#include "apps/phases/evolve/evolve_phase.h"

#include <cstdio>
#include <fstream>
#include <map>

#include "apps/report/svg_plot.h"
#include "apps/run/runner.h"
#include "apps/run/weight_step_log.h"
#include "engine/io/atomic_file.h"
#include "engine/optim/schedule.h"
#include "nas/draw_svg.h"
#include "nas/drawing.h"
#include "nas/space_json.h"

namespace autospace::apps {

namespace {

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

class EvolvePhase final : public Phase {
 public:
  explicit EvolvePhase(const EvolveSettings& settings) : s_(settings) {}

  PhaseSetup setup() const override {
    PhaseSetup p{"evolve", &s_, s_.distributed};
    p.resolved = to_json(s_);
    p.classes = s_.backbone.net.classes;
    p.classes_owner = "backbone.classes";
    return p;
  }

  void build(PhaseContext& c, const std::optional<io::Checkpoint>& resume) override {
    const TrainHoldout split = split_holdout(c.data, s_.data, s_.seed);
    train_.emplace(c.stream(split.train, s_.batch_size, s_.seed, "evolve.batch_size", "training split"));
    holdout_.emplace(c.stream(split.holdout, s_.score_batch_size, s_.seed + 1, "evolve.score_batch_size", "held-out split"));
    total_ = static_cast<std::int64_t>(s_.epochs) * train_->steps_per_epoch();
    schedule_.emplace(s_.lr, total_, static_cast<std::int64_t>(s_.warmup_epochs * train_->steps_per_epoch()), s_.final_lr);
    evo_.emplace(s_.backbone, s_.dea, s_.seed, total_, c.device);
    evo_->distribute(c.parallel);
    steps_log_.emplace(c.device);
    if (!resume) return;
    evo_->restore(resume->state.at("evolution"), resume->model, resume->optimizer, c.checkpoint_file.string());
    finished_ = resume->state.value("finished", false);
  }

  io::Checkpoint checkpoint() const override {
    return {evo_->tensors(), evo_->optimizer_tensors(), {{"evolution", evo_->state()}, {"finished", finished_}}};
  }

  bool done() const override { return finished_; }
  std::int64_t total_steps() const override { return total_; }
  PhaseCounters counters() const override { return {evo_->step(), 0}; }
  std::string position() const override {
    return "step " + std::to_string(evo_->step()) + " of " + std::to_string(total_);
  }

  UnitReport next(PhaseContext& c) override {
    if (evo_->step() == total_) {
      evo_->finish();
      finished_ = true;
      return {.checkpoint = true};
    }
    if (evo_->regeneration_due()) {
      evo_->regenerate();
      const auto st = evo_->stats();
      c.log({{"step", evo_->step()}, {"event", "regenerate"}, {"round", evo_->round()},
             {"best_fitness", st.best_fitness}, {"mean_fitness", st.mean_fitness}, {"entropy", st.entropy},
             {"diversity", st.diversity}});
    }
    const std::int64_t step = evo_->step();
    const data::Batch batch = train_->at(step);
    steps_log_->add(evo_->weight_step(c.input(batch), c.labels(batch), schedule_->lr(step)));
    if ((step + 1) % s_.score_every == 0) {
      const data::Batch held = holdout_->at((step + 1) / s_.score_every - 1);
      evo_->score_step(c.input(held), c.labels(held));
    }
    const bool log_due = (step + 1) % s_.log_every == 0 || step + 1 == total_;
    // The weight steps' figures, over every rank's share, stay on the device until a log line.
    const std::int64_t skipped = log_due ? steps_log_->read(evo_->skipped_steps()) : 0;
    const nn::ClassificationMeter& all = steps_log_->interval();
    const std::string details = all.line() + "  round " + std::to_string(evo_->round());
    if (log_due) {
      const auto st = evo_->stats();
      c.log({{"step", step + 1}, {"lr", schedule_->lr(step)}, {"loss", all.loss()}, {"accuracy", all.accuracy()},
             {"entropy", st.entropy}, {"best_fitness", st.best_fitness}, {"mean_fitness", st.mean_fitness},
             {"diversity", st.diversity}, {"images_per_second", c.items_per_second()}, {"round", evo_->round()}});
    }
    UnitReport report{
        .step = true, .items = batch.size(), .details = details, .checkpoint = (step + 1) % s_.checkpoint_every == 0};
    WeightStepLog::report_skipped(skipped, report);
    return report;
  }

  void finish(PhaseContext& c) override {
    if (!c.lead()) return;
    const RunDirectory& run = *c.directory;
    const nas::LearnedSpace space = evo_->learned_space();
    nas::save_space(run.file("space.json"), space);
    io::write_file_atomically(run.file("space.svg"), nas::draw_svg(nas::space_figure(space)));
    write_fitness_plot(run);
    const nas::Json summary = describe_space(space);
    nas::write_json_file(run.file("evolve-summary.json"), summary);
    std::printf("[evolve] done: %s (mean Hamming distance of the top cells to the reference %.2f)\n",
                run.file("space.json").c_str(), summary["mean_hamming_to_reference"].get<double>());
  }

 private:
  const EvolveSettings s_;
  std::optional<data::BatchStream> train_, holdout_;
  std::int64_t total_ = 0;
  std::optional<optim::CosineSchedule> schedule_;
  std::optional<nas::Evolution> evo_;
  bool finished_ = false;
  std::optional<WeightStepLog> steps_log_;  // the weight steps since the last log line
};

}  // namespace

std::unique_ptr<Phase> make_evolve_phase(const EvolveSettings& settings) { return std::make_unique<EvolvePhase>(settings); }

EvolveOutcome run_evolve(const EvolveSettings& settings, std::int64_t stop_after_steps) {
  EvolvePhase phase(settings);
  RunControl control;
  if (stop_after_steps >= 0) control.stop = [=](const PhaseCounters& c) { return c.steps >= stop_after_steps; };
  const bool complete = run_phase(phase, control);
  return {complete, phase.counters().steps};
}

}  // namespace autospace::apps
