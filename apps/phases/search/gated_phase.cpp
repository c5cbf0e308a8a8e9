// proxyless-g and proxyless-rl on the runner: every unit is one weight step on the
// training split, followed (after the architecture warm-up, every arch_every steps) by one
// architecture step on a held-out batch.
#include <cstdio>

#include "apps/phases/search/search_report.h"
#include "apps/phases/search/searcher_phase.h"
#include "kernels/common/check.h"
#include "nas/search/gated_search.h"

namespace autospace::apps {

namespace {

class GatedPhase final : public SearcherPhase {
 public:
  using SearcherPhase::SearcherPhase;

  bool done() const override { return search_->weight_steps() >= total_; }
  PhaseCounters counters() const override { return {search_->weight_steps(), 0}; }
  std::string position() const override { return step_position(); }

  UnitReport next(PhaseContext& c) override {
    const WeightStep w = weight_step(c);
    if (w.step >= arch_start_ && (w.step + 1) % s_.arch_every == 0) {
      const data::Batch held = holdout_->at(search_->arch_steps());
      const nas::ArchStepResult r = search_->arch_step(c.input(held), c.labels(held));
      arch_loss_ += r.loss, arch_accuracy_ += r.accuracy, reward_ += r.reward, ++arch_count_;
    }
    char details[160];
    std::snprintf(details, sizeof details, "%s  E[cost] %s  entropy %.3f", steps_log_->interval().line().c_str(),
                  s_.budget.describe(search_->expected_cost()).c_str(), search_->mean_entropy());
    if (w.log_due) log(c, w.step);
    return step_report(w, details, (w.step + 1) % s_.checkpoint_every == 0 || w.step + 1 == total_);
  }

 private:
  nas::SupernetSearch& build_searcher(PhaseContext& c) override {
    search_ = std::make_unique<nas::GatedSearch>(table(), s_.gated, s_.seed, c.device);
    holdout_.emplace(c.stream(split_.holdout, s_.arch_batch_size, s_.seed + 1, "search.arch_batch_size", "held-out split"));
    arch_start_ = static_cast<std::int64_t>(s_.arch_warmup_epochs * train_->steps_per_epoch());
    return *search_;
  }

  // "finished" stays in the state for the checkpoint format; done() derives it from the steps.
  nas::Json extra_state() const override { return {{"finished", done()}}; }
  void restore_extra(const nas::Json&, const std::string&) override {}

  void log(PhaseContext& c, std::int64_t step) {
    nas::Json record = log_record(c, step);
    record["expected_cost"] = search_->expected_cost();
    record["argmax_cost"] = nas::cost_value(table().cost(search_->argmax()), s_.budget.kind);
    record["budget_multiplier"] = search_->multiplier();
    record["entropy"] = search_->mean_entropy();
    record["probabilities"] = search_->probabilities();
    if (arch_count_ > 0) {
      record["arch_loss"] = arch_loss_ / static_cast<double>(arch_count_);
      record["arch_accuracy"] = arch_accuracy_ / static_cast<double>(arch_count_);
      if (s_.method == SearchMethod::proxyless_rl) {
        record["reward"] = reward_ / static_cast<double>(arch_count_);
        record["baseline"] = search_->baseline().value_or(0.0);
      }
    }
    c.log(record);
    arch_loss_ = arch_accuracy_ = reward_ = 0, arch_count_ = 0;
  }

  // The most probable architecture inside the band; the plain argmax is reported next to it.
  Found found(PhaseContext&) override {
    const std::optional<nas::BudgetExport> exported = search_->budget_export();
    if (!exported)  // parse_search_settings refused such a band already; a guard, not a path
      AUTOSPACE_THROW("search: no architecture of ", s_.space_origin(), " lies in the budget band");
    const nas::ArchChoice& choice = exported->choice;
    const nas::ArchChoice argmax = search_->argmax();
    const nas::Cost argmax_cost = table().cost(argmax);
    nas::Json layers = layer_report(table(), choice);
    const auto p = search_->probabilities();
    const auto h = search_->entropies();
    for (std::size_t l = 0; l < p.size(); ++l) {
      layers[l]["probabilities"] = p[l];
      layers[l]["entropy"] = h[l];
    }
    nas::Json argmax_json = {{"choice", nas::choice_key(argmax)},
                             {"madds", argmax_cost.madds},
                             {"params", argmax_cost.params},
                             {"inside_band", s_.budget.contains(argmax_cost)}};
    if (s_.budget.kind == nas::CostKind::latency)
      argmax_json["latency_ms"] = static_cast<double>(argmax_cost.latency_ns) / 1e6;
    return {choice,
            {{"expected_cost", search_->expected_cost()},
             {"budget_multiplier", search_->multiplier()},
             {"export", {{"log_probability", exported->log_probability}, {"exact", exported->exact}}},
             {"argmax", argmax_json},
             {"mean_entropy", search_->mean_entropy()},
             {"arch_steps", search_->arch_steps()},
             {"layers", layers}}};
  }

  std::unique_ptr<nas::GatedSearch> search_;
  std::optional<data::BatchStream> holdout_;
  std::int64_t arch_start_ = 0;
  // Architecture steps since the last log line.
  double arch_loss_ = 0, arch_accuracy_ = 0, reward_ = 0;
  std::int64_t arch_count_ = 0;
};

}  // namespace

std::unique_ptr<SearcherPhase> make_gated_phase(const SearchSettings& settings) {
  return std::make_unique<GatedPhase>(settings);
}

}  // namespace autospace::apps
