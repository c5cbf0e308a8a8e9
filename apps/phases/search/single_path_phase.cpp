// spos and random on the runner: first the single-path supernet trains, one weight step
// per unit on a path drawn within the budget; then the evolution (or random search)
// evaluates one proposed architecture per unit on the shared weights, and a last unit per
// generation closes it with a checkpoint.
#include <cstdio>

#include "apps/phases/search/search_report.h"
#include "apps/phases/search/searcher_phase.h"
#include "engine/autograd/node.h"
#include "engine/nn/accuracy.h"
#include "engine/nn/graphed_forward.h"
#include "kernels/common/check.h"
#include "nas/evaluation/bn_recalibration.h"
#include "nas/search/arch_evolution.h"
#include "nas/search/single_path.h"

namespace autospace::apps {

namespace {

class SinglePathPhase final : public SearcherPhase {
 public:
  using SearcherPhase::SearcherPhase;

  bool done() const override { return evolution_->finished(); }
  PhaseCounters counters() const override {
    return {net_->weight_steps(), static_cast<std::int64_t>(evolution_->history().size())};
  }
  std::string position() const override {
    return step_position() + ", " + std::to_string(evolution_->history().size()) + " architectures evaluated";
  }

  UnitReport next(PhaseContext& c) override {
    if (net_->weight_steps() < total_) return train_unit(c);
    if (!proposals_) proposals_ = evolution_->proposals();
    for (const nas::ArchChoice& choice : *proposals_) {
      if (evolution_->evaluated(choice)) continue;
      evolution_->record(choice, evaluate(c, choice));
      nas::Json record = evaluated_json(evolution_->history().back());
      record["event"] = "evaluate";
      c.log(record);
      return {};
    }
    end_generation(c);
    return {.checkpoint = true};
  }

 private:
  nas::SupernetSearch& build_searcher(PhaseContext& c) override {
    net_ = std::make_unique<nas::SinglePathSupernet>(
        table(), nas::SinglePathSettings{s_.budget, s_.momentum, s_.weight_decay, s_.grad_clip}, s_.seed, c.device);
    evolution_.emplace(table(), s_.evolution, s_.seed);
    return *net_;
  }

  nas::Json extra_state() const override { return {{"evolution", evolution_->state()}}; }
  void restore_extra(const nas::Json& state, const std::string& source) override {
    evolution_->restore(state.at("evolution"), source);
  }

  UnitReport train_unit(PhaseContext& c) {
    const WeightStep w = weight_step(c);
    const std::string details = steps_log_->interval().line();
    if (w.log_due) {
      nas::Json record = log_record(c, w.step);
      record["path_madds"] = table().cost(net_->active()).madds;
      c.log(record);
    }
    return step_report(w, details, (w.step + 1) % s_.checkpoint_every == 0 || w.step + 1 == total_);
  }

  // Held-out top-1 of one architecture on the shared weights: its path activated, BN
  // statistics re-estimated on the same training batches for every candidate, then the
  // held-out batches in evaluation mode.
  double evaluate(PhaseContext& c, const nas::ArchChoice& choice) {
    if (!held_) open_evaluation_streams(c);
    net_->activate(choice);
    nn::Module& model = net_->supernet();
    NoGradGuard no_grad;
    if (s_.recalibration_batches > 0) {
      const auto sync = c.parallel.batch_norm_scope();
      nas::recalibrate_bn(model, *recalibration_, s_.recalibration_batches, s_.data.normalization(), c.device);
    }
    model.eval();
    nn::ClassificationTotals totals(c.device, 1);  // one read for all held-out batches
    // One path and one set of BN statistics over all held-out batches: on a GPU they may
    // replay one graph of the forward.
    nn::GraphedForward forward(model, c.device.is_cuda() && nn::forward_graphs());
    std::int64_t seen = 0;
    for (std::int64_t i = 0; i < held_batches_; ++i) {
      const data::Batch batch = held_->at(i);
      totals.add(forward(c.input(batch)), c.labels(batch));
      seen += batch.size();
    }
    std::int64_t correct = totals.sums().top1;
    // Every rank scores its share of the held-out batches; all decide on the total.
    correct = c.parallel.sum(correct), seen = c.parallel.sum(seen);
    return seen ? static_cast<double>(correct) / static_cast<double>(seen) : 0.0;
  }

  void open_evaluation_streams(PhaseContext& c) {
    recalibration_.emplace(c.stream(split_.train, s_.batch_size, s_.seed + 2, "search.batch_size", "training split"));
    auto held_loader = c.loader(split_.holdout, s_.batch_size, false, s_.seed);
    const std::int64_t available = held_loader->steps_per_epoch();
    held_.emplace(std::move(held_loader));
    held_batches_ = s_.eval_batches > 0 ? std::min<std::int64_t>(s_.eval_batches, available) : available;
    if (held_batches_ == 0)
      AUTOSPACE_THROW("the held-out split has fewer images than one batch (", s_.batch_size,
                      "): raise data.holdout_fraction or lower search.batch_size");
  }

  void end_generation(PhaseContext& c) {
    const nas::EvaluatedArch& best = evolution_->best();
    if (c.print)
      std::printf("[search] generation %d: %zu evaluated, best %.2f%% at %.2fM MAdds\n", evolution_->generation(),
                  evolution_->history().size(), 100 * best.accuracy, static_cast<double>(best.cost.madds) / 1e6);
    c.log({{"event", "generation"}, {"generation", evolution_->generation()}, {"evaluated", evolution_->history().size()},
           {"best_accuracy", best.accuracy}, {"best_madds", best.cost.madds}});
    evolution_->next_generation();
    proposals_.reset();
  }

  Found found(PhaseContext& c) override {
    const nas::EvaluatedArch& best = evolution_->best();
    nas::Json front = nas::Json::array(), population = nas::Json::array();
    for (const auto& e : evolution_->pareto_front()) front.push_back(evaluated_json(e));
    for (const auto& e : evolution_->population()) population.push_back(evaluated_json(e));
    if (c.lead()) write_pareto_plot(*c.directory, *evolution_, s_.budget);
    return {best.choice,
            {{"supernet_accuracy", best.accuracy},
             {"evaluations", evolution_->history().size()},
             {"pareto_front", front},
             {"population", population},
             {"layers", layer_report(table(), best.choice)}}};
  }

  std::unique_ptr<nas::SinglePathSupernet> net_;
  std::optional<nas::ArchEvolution> evolution_;
  std::optional<std::vector<nas::ArchChoice>> proposals_;  // of the current generation
  std::optional<data::BatchStream> recalibration_, held_;  // opened by the first evaluation
  std::int64_t held_batches_ = 0;
};

}  // namespace

std::unique_ptr<SearcherPhase> make_single_path_phase(const SearchSettings& settings) {
  return std::make_unique<SinglePathPhase>(settings);
}

}  // namespace autospace::apps
