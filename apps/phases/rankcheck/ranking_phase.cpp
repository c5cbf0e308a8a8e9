#include "apps/phases/rankcheck/ranking_phase.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <numeric>

#include "apps/report/svg_plot.h"
#include "apps/run/runner.h"
#include "engine/io/atomic_file.h"
#include "engine/io/safetensors.h"
#include "engine/ops/cross_entropy.h"
#include "engine/optim/optimizer.h"
#include "engine/optim/schedule.h"
#include "nas/evaluation/evaluate.h"
#include "nas/supernet/gated_layer.h"

namespace autospace::apps {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Indices of the candidates from best to worst.
std::vector<int> order_by(const std::vector<double>& value) {
  std::vector<int> order(value.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return value[a] > value[b]; });
  return order;
}

// The weight training both parts share: SGD on the training split under one schedule.
struct WeightTraining {
  const RankingSettings& s;
  data::BatchStream& train;
  std::int64_t total_steps;
  optim::CosineSchedule schedule;

  std::unique_ptr<optim::SGD> sgd_for(nn::Module& model) const {
    const auto groups = nn::split_weight_decay(model.named_parameters());
    return std::make_unique<optim::SGD>(
        std::vector<optim::ParamGroup>{{groups.decay, s.weight_decay, 1.f}, {groups.no_decay, 0.f, 1.f}},
        optim::SgdOptions{s.momentum, true});
  }

  double weight_step(const PhaseContext& c, nn::Module& model, optim::SGD& sgd, std::int64_t step) {
    const data::Batch batch = train.at(step);
    Tensor loss = ops::softmax_cross_entropy(model.forward(c.input(batch)), c.labels(batch));
    loss.backward();
    sgd.step(schedule.lr(step));
    sgd.zero_grad();
    return loss.item();
  }
};

// One part of the check, trained a step at a time; result() once every step ran.
class RankingPart {
 public:
  virtual ~RankingPart() = default;
  virtual std::string name() const = 0;
  virtual std::string step(PhaseContext& c, std::int64_t step) = 0;  // the progress line's details
  virtual nas::Json result(PhaseContext& c) = 0;
};

std::filesystem::path standalone_weights(const RunDirectory& run, const ResNetDescription& d) {
  return run.file("standalone-" + d.name + ".safetensors");
}

// Part 1: one candidate trained alone, then evaluated.
class StandalonePart final : public RankingPart {
 public:
  StandalonePart(WeightTraining& t, const ResNetDescription& d, int classes, data::Loader& val, Device device)
      : t_(t), d_(d), val_(val), net_(build_resnet(d, classes)) {
    net_->initialize(t.s.seed);
    net_->to(device);
    net_->train();
    sgd_ = t.sgd_for(*net_);
  }

  std::string name() const override { return d_.name + " alone"; }

  std::string step(PhaseContext& c, std::int64_t step) override {
    char details[96];
    std::snprintf(details, sizeof details, "%s  loss %.3f", name().c_str(), t_.weight_step(c, *net_, *sgd_, step));
    return details;
  }

  nas::Json result(PhaseContext& c) override {
    const nas::Evaluation e = nas::evaluate(*net_, val_, t_.s.data.normalization(), c.device);
    io::write_safetensors(standalone_weights(*c.directory, d_), nn::state_of(*net_), {{"network", d_.name}});
    std::int64_t params = 0;
    for (const auto& [name, p] : net_->named_parameters()) params += p.numel();
    if (c.print) std::printf("[rankcheck] %s alone: top-1 %.2f%%\n", d_.name.c_str(), 100 * e.top1);
    return {{"name", d_.name}, {"top1", e.top1}, {"top5", e.top5}, {"loss", e.loss}, {"params", params},
            {"seconds", seconds_since(start_)}};
  }

 private:
  WeightTraining& t_;
  const ResNetDescription& d_;
  data::Loader& val_;
  std::shared_ptr<nn::Module> net_;
  std::unique_ptr<optim::SGD> sgd_;
  const Clock::time_point start_ = Clock::now();
};

// Part 2: the candidates behind one gated choice, scores starting from `init`.
class GatedPart final : public RankingPart {
 public:
  GatedPart(WeightTraining& t, data::BatchStream& holdout, int classes, std::size_t init_index,
            std::vector<int> true_order, const RunDirectory& run, Device device)
      : t_(t), holdout_(holdout), init_index_(init_index), true_order_(std::move(true_order)),
        seed_(t.s.seed + 1000 * (init_index + 1)) {
    std::vector<std::shared_ptr<nn::Module>> candidates;
    for (const auto& d : t.s.candidates) {
      candidates.push_back(build_resnet(d, classes));
      if (t.s.pretrained) {
        const auto file = standalone_weights(run, d);
        nn::load_state(*candidates.back(), io::read_safetensors(file).tensors, file.string());
      } else {
        candidates.back()->initialize(t.s.seed);  // each starts as its standalone twin did
      }
    }
    gate_.emplace(candidates, false, t.s.inits[init_index]);
    gate_->to(device);  // the candidates and the logits, before the optimisers see them
    gate_->train();
    sgd_ = t.sgd_for(*gate_);
    adam_.emplace(std::vector<optim::ParamGroup>{{{{"logits", gate_->logits()}}, 0.f, 1.f}},
                  optim::AdamOptions{t.s.score_beta1, t.s.score_beta2});
  }

  std::string name() const override { return "init " + std::to_string(init_index_); }

  std::string step(PhaseContext& c, std::int64_t step) override {
    if (!t_.s.pretrained) {  // fixed weights: only the score steps of this interval run
      Rng weight_rng({seed_, RngPurpose::architecture_sampling, 0, static_cast<std::uint32_t>(step)});
      gate_->sample(weight_rng, nas::GatePaths::active_only);
      train_loss_.add(t_.weight_step(c, *gate_, *sgd_, step));
    }
    if ((step + 1) % t_.s.score_every == 0) {
      Rng score_rng({seed_, RngPurpose::architecture_sampling, 1, static_cast<std::uint32_t>(score_steps_)});
      gate_->sample(score_rng, nas::GatePaths::both);
      const data::Batch held = holdout_.at(score_steps_++);
      Tensor loss = ops::softmax_cross_entropy(gate_->forward(c.input(held)), c.labels(held));
      holdout_loss_.add(loss.item());
      loss.backward();
      sgd_->zero_grad();  // weights learn on the training split only
      nas::step_gate_logits({&*gate_}, *adam_, t_.s.score_lr, {t_.s.compensation, t_.s.compensation_max});
      adam_->zero_grad();
    }
    const std::string details = name() + "  held-out loss " + holdout_loss_.mean().dump();
    const std::int64_t per_epoch = t_.train.steps_per_epoch();
    if ((step + 1) % per_epoch == 0 || step + 1 == t_.total_steps) {
      const std::vector<float>& a = gate_->host_logits();
      const std::vector<int> order = order_by(std::vector<double>(a.begin(), a.end()));
      const double epoch = static_cast<double>(step + 1) / static_cast<double>(per_epoch);
      epochs_.push_back({{"epoch", epoch}, {"logits", a}, {"order", order}, {"true_order", order == true_order_}});
      c.log({{"part", "gated"}, {"init", init_index_}, {"epoch", epoch}, {"logits", a}, {"order", order},
             {"train_loss", train_loss_.mean()}, {"holdout_loss", holdout_loss_.mean()}});
      train_loss_ = {};
      holdout_loss_ = {};
    }
    return details;
  }

  nas::Json result(PhaseContext&) override {
    // The first epoch from which the order is the true one until the end.
    nas::Json needed = nullptr;
    for (std::size_t e = epochs_.size(); e-- > 0 && epochs_[e]["true_order"].get<bool>();) needed = epochs_[e]["epoch"];
    std::vector<std::int64_t> sampled;
    for (int k = 0; k < gate_->candidates(); ++k) sampled.push_back(gate_->sampled_count(k));
    return {{"init", t_.s.inits[init_index_]}, {"epochs", epochs_}, {"final_order", epochs_.back()["order"]},
            {"true_order_reached", epochs_.back()["true_order"]}, {"epochs_needed", needed},
            {"sampled_in_pair", sampled}, {"seconds", seconds_since(start_)}};
  }

 private:
  // The mean loss over an epoch so far (null before the first).
  struct MeanLoss {
    double sum = 0;
    std::int64_t count = 0;
    void add(double loss) { sum += loss, ++count; }
    nas::Json mean() const { return count ? nas::Json(sum / static_cast<double>(count)) : nas::Json(nullptr); }
  };

  WeightTraining& t_;
  data::BatchStream& holdout_;
  const std::size_t init_index_;
  const std::vector<int> true_order_;
  const std::uint64_t seed_;
  std::optional<nas::GatedLayer> gate_;
  std::unique_ptr<optim::SGD> sgd_;
  std::optional<optim::Adam> adam_;
  MeanLoss train_loss_, holdout_loss_;  // weight steps (training split), score steps (held out)
  std::int64_t score_steps_ = 0;
  nas::Json epochs_ = nas::Json::array();
  const Clock::time_point start_ = Clock::now();
};

void write_logit_plots(const RunDirectory& run, const RankingSettings& s, const nas::Json& gated) {
  for (std::size_t i = 0; i < gated.size(); ++i) {
    std::vector<PlotSeries> series(s.candidates.size());
    for (std::size_t c = 0; c < s.candidates.size(); ++c) {
      series[c].name = s.candidates[c].name;
      series[c].x.push_back(0);
      series[c].y.push_back(s.inits[i][c]);
      for (const auto& e : gated[i]["epochs"]) {
        series[c].x.push_back(e["epoch"].get<double>());
        series[c].y.push_back(e["logits"][c].get<double>());
      }
    }
    io::write_file_atomically(run.file("scores-init" + std::to_string(i) + ".svg"),
                              svg_line_plot("Learned scores, initialisation " + std::to_string(i), "epoch", "logit",
                                            series));
  }
}

class RankingPhase final : public Phase {
 public:
  explicit RankingPhase(const RankingSettings& settings) : s_(settings) {}

  PhaseSetup setup() const override {
    PhaseSetup p{"rankcheck", &s_};
    p.multi_rank = false;
    p.resolved = to_json(s_);
    p.checkpointed = false;  // finished parts are files of their own
    return p;
  }

  // Parts 0..C-1 are the standalone runs, C.. the gated ones.
  void build(PhaseContext& c, const std::optional<io::Checkpoint>&) override {
    const TrainHoldout split = split_holdout(c.data, s_.data, s_.seed);
    train_.emplace(c.stream(split.train, s_.batch_size, s_.seed, "train.batch_size", "training split"));
    holdout_.emplace(c.stream(split.holdout, s_.score_batch_size, s_.seed + 1, "scores.batch_size", "held-out split"));
    val_ = c.loader(c.data.val, 256, false, s_.seed);
    const std::int64_t total = static_cast<std::int64_t>(s_.epochs) * train_->steps_per_epoch();
    training_.emplace(WeightTraining{s_, *train_, total, optim::CosineSchedule(s_.lr, total, 0, s_.final_lr)});
    classes_ = c.data.classes;
    for (std::size_t p = 0; p < part_count(); ++p) {
      const auto file = c.directory->file(part_file(p));
      results_.push_back(std::filesystem::exists(file) ? nas::read_json_file(file) : nas::Json());
    }
    skip_finished_parts();
  }

  bool done() const override { return part_ == part_count(); }
  std::int64_t total_steps() const override {
    return static_cast<std::int64_t>(part_count()) * training_->total_steps;
  }
  PhaseCounters counters() const override {
    std::int64_t finished = 0;
    for (const nas::Json& r : results_) finished += !r.is_null();
    return {finished * training_->total_steps + step_, 0};
  }
  std::string position() const override {
    if (done()) return "all " + std::to_string(part_count()) + " parts done";
    return "part " + std::to_string(part_ + 1) + " of " + std::to_string(part_count()) + " step " +
           std::to_string(step_) + " of " + std::to_string(training_->total_steps);
  }

  UnitReport next(PhaseContext& c) override {
    if (!active_) active_ = make_part(c);
    const std::string details = active_->step(c, step_++);
    if (step_ == training_->total_steps) {
      results_[part_] = active_->result(c);
      nas::write_json_file(c.directory->file(part_file(part_)), results_[part_]);
      active_.reset();
      step_ = 0;
      skip_finished_parts();
    }
    return {.step = true, .items = s_.batch_size, .details = details};
  }

  void finish(PhaseContext& c) override {
    nas::Json standalone = nas::Json::array(), gated = nas::Json::array();
    for (std::size_t p = 0; p < part_count(); ++p) (p < s_.candidates.size() ? standalone : gated).push_back(results_[p]);
    reproduced_ = 0;
    for (const nas::Json& g : gated) reproduced_ += g["true_order_reached"].get<bool>();
    write_logit_plots(*c.directory, s_, gated);
    result_ = {{"true_order", true_order()},
               {"standalone", standalone},
               {"gated", gated},
               {"initialisations", s_.inits.size()},
               {"reproduced", reproduced_}};
    nas::write_json_file(c.directory->file("ranking.json"), result_);
    if (c.print)
      std::printf("[rankcheck] the learned scores end in the true order from %d of %zu initialisations (%s)\n",
                  reproduced_, s_.inits.size(), c.directory->file("ranking.json").c_str());
  }

  int exit_status() const override { return reproduced_ == static_cast<int>(s_.inits.size()) ? 0 : 4; }

  const nas::Json& result() const { return result_; }

 private:
  std::size_t part_count() const { return s_.candidates.size() + s_.inits.size(); }
  std::string part_file(std::size_t p) const {
    const std::size_t n = s_.candidates.size();
    return p < n ? "standalone-" + s_.candidates[p].name + ".json" : "gated-" + std::to_string(p - n) + ".json";
  }
  void skip_finished_parts() {
    while (part_ < part_count() && !results_[part_].is_null()) ++part_;
  }
  // The standalone accuracies' order (every standalone part comes before the gated ones).
  std::vector<int> true_order() const {
    std::vector<double> accuracy;
    for (std::size_t p = 0; p < s_.candidates.size(); ++p) accuracy.push_back(results_[p]["top1"].get<double>());
    return order_by(accuracy);
  }
  std::unique_ptr<RankingPart> make_part(PhaseContext& c) {
    const std::size_t n = s_.candidates.size();
    if (part_ < n) return std::make_unique<StandalonePart>(*training_, s_.candidates[part_], classes_, *val_, c.device);
    return std::make_unique<GatedPart>(*training_, *holdout_, classes_, part_ - n, true_order(), *c.directory,
                                       c.device);
  }

  const RankingSettings s_;
  std::optional<data::BatchStream> train_, holdout_;
  std::unique_ptr<data::Loader> val_;
  std::optional<WeightTraining> training_;
  int classes_ = 0;
  std::vector<nas::Json> results_;  // per part; null until it finished
  std::size_t part_ = 0;            // the part running (or next to run)
  std::int64_t step_ = 0;           // within it
  std::unique_ptr<RankingPart> active_;
  int reproduced_ = 0;
  nas::Json result_;
};

}  // namespace

std::unique_ptr<Phase> make_ranking_phase(const RankingSettings& settings) {
  return std::make_unique<RankingPhase>(settings);
}

nas::Json run_ranking_check(const RankingSettings& settings) {
  RankingPhase phase(settings);
  run_phase(phase);
  return phase.result();
}

}  // namespace autospace::apps
