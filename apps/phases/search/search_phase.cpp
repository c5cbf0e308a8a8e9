#include "apps/phases/search/search_phase.h"

#include <cstdio>

#include "apps/phases/search/search_report.h"
#include "apps/phases/search/searcher_phase.h"
#include "apps/run/runner.h"
#include "engine/nn/accuracy.h"
#include "nas/arch_json.h"

namespace autospace::apps {

// parse_search_settings has refused a budget band the space cannot reach.
SearcherPhase::SearcherPhase(const SearchSettings& settings) : s_(settings), table_(*s_.space) {}

PhaseSetup SearcherPhase::setup() const {
  PhaseSetup p{"search", &s_, s_.distributed};
  p.resolved = to_json(s_);
  if (!s_.space_file.empty()) p.inputs = {s_.space_file};  // a reordered space would resume to another answer
  p.classes = s_.space->backbone().net.classes;
  p.classes_owner = s_.space_origin();
  return p;
}

void SearcherPhase::build(PhaseContext& c, const std::optional<io::Checkpoint>& resume) {
  split_ = split_holdout(c.data, s_.data, s_.seed);
  train_.emplace(c.stream(split_.train, s_.batch_size, s_.seed, "search.batch_size", "training split"));
  const std::int64_t per_epoch = train_->steps_per_epoch();
  total_ = static_cast<std::int64_t>(s_.epochs) * per_epoch;
  schedule_.emplace(s_.lr, total_, static_cast<std::int64_t>(s_.warmup_epochs * per_epoch), s_.final_lr);
  searcher_ = &build_searcher(c);
  searcher_->distribute(c.parallel);
  if (!resume) return;
  const std::string source = c.checkpoint_file.string();
  searcher_->restore(resume->state.at("searcher"), resume->model, resume->optimizer, source);
  restore_extra(resume->state, source);
}

io::Checkpoint SearcherPhase::checkpoint() const {
  nas::Json state = extra_state();
  state["method"] = to_string(s_.method);
  state["searcher"] = searcher_->state();
  return {searcher_->tensors(), searcher_->optimizer_tensors(), std::move(state)};
}

SearcherPhase::WeightStep SearcherPhase::weight_step(PhaseContext& c) {
  WeightStep w;
  w.step = searcher_->weight_steps();
  w.batch = train_->at(w.step);
  w.result = searcher_->weight_step(c.input(w.batch), w.batch.labels, schedule_->lr(w.step));
  meter_.add(w.result.loss, nn::count_topk_correct(w.result.logits, w.batch.labels, 1), w.batch.size());
  w.log_due = (w.step + 1) % s_.log_every == 0 || w.step + 1 == total_;
  return w;
}

nas::Json SearcherPhase::log_record(PhaseContext& c, std::int64_t step) {
  const nn::ClassificationMeter all = meter_.combined(c.parallel.comm());
  meter_ = {};
  return {{"step", step + 1},
          {"lr", schedule_->lr(step)},
          {"loss", all.loss()},
          {"accuracy", all.accuracy()},
          {"images_per_second", c.items_per_second()}};
}

UnitReport SearcherPhase::step_report(const WeightStep& w, std::string details, bool checkpoint) const {
  return {.step = true,
          .items = w.batch.size(),
          .details = std::move(details),
          .checkpoint = checkpoint,
          .nonfinite = w.result.applied ? "" : "loss or gradient"};
}

std::string SearcherPhase::step_position() const {
  return "step " + std::to_string(searcher_->weight_steps()) + " of " + std::to_string(total_);
}

void SearcherPhase::finish(PhaseContext& c) {
  const Found f = found(c);
  if (!c.lead()) return;
  const RunDirectory& run = *c.directory;
  const nas::Arch arch = table_.arch(f.choice, "search-" + to_string(s_.method));
  nas::save_arch(run.file("arch.json"), arch);
  const nas::Cost cost = table_.cost(f.choice);
  nas::Json summary = {{"format", "autospace.search/1"},
                       {"method", to_string(s_.method)},
                       {"space", {{"kind", std::string(nas::to_string(s_.space->kind()))}, {"origin", s_.space_origin()}}},
                       {"budget",
                        {{"kind", std::string(nas::to_string(s_.budget.kind))},
                         {"target", static_cast<std::int64_t>(s_.budget.target)},
                         {"band", {s_.budget.lower(), s_.budget.upper()}}}},
                       {"choice", nas::choice_key(f.choice)},
                       {"madds", cost.madds},
                       {"params", cost.params},
                       {"inside_band", s_.budget.contains(cost)},
                       {"steps", searcher_->weight_steps()}};
  summary.update(f.details);
  nas::write_json_file(run.file("search-summary.json"), summary);
  write_training_plot(run, s_.gated_method(), s_.budget);
  std::printf("[search] done: %s (%.2fM MAdds, %.2fM params; budget band [%s, %s]: %s)\n", run.file("arch.json").c_str(),
              static_cast<double>(cost.madds) / 1e6, static_cast<double>(cost.params) / 1e6,
              s_.budget.describe(s_.budget.lower()).c_str(), s_.budget.describe(s_.budget.upper()).c_str(),
              s_.budget.contains(cost) ? "inside" : "OUTSIDE");
}

std::unique_ptr<Phase> make_search_phase(const SearchSettings& settings) {
  if (settings.gated_method()) return make_gated_phase(settings);
  return make_single_path_phase(settings);
}

SearchOutcome run_search(const SearchSettings& settings, const SearchLimits& limits) {
  const std::unique_ptr<Phase> phase = make_search_phase(settings);
  RunControl control;
  control.stop = [limits](const PhaseCounters& c) {
    return (limits.stop_after_steps >= 0 && c.steps >= limits.stop_after_steps) ||
           (limits.stop_after_evaluations >= 0 && c.evaluations >= limits.stop_after_evaluations);
  };
  const bool complete = run_phase(*phase, control);
  const PhaseCounters c = phase->counters();
  return {complete, c.steps, c.evaluations};
}

}  // namespace autospace::apps
