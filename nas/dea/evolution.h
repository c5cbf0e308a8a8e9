#pragma once
// The differentiable evolutionary algorithm (DESIGN 4.4) over a supernet, without any data
// handling: the caller feeds training batches (weight steps, SGD) and held-out batches
// (score steps, Adam on the architecture logits = the cells' fitness, Eq. 3-4), and calls
// regenerate() every `period` weight steps (Eq. 5 write-back, tournament selection,
// mutation under the layer's constraints, replacement, a new supernet whose logits start
// from the recorded fitness). All randomness is keyed by (seed, purpose, round or step),
// so a run restored from its state continues exactly as an uninterrupted one.
#include <cstdint>
#include <memory>
#include <vector>

#include "engine/dist/gradient_reducer.h"
#include "engine/optim/grad_utils.h"
#include "engine/optim/optimizer.h"
#include "nas/dea/population.h"
#include "nas/json_check.h"
#include "nas/madds_budget.h"
#include "nas/space.h"
#include "nas/supernet/data_parallel.h"
#include "nas/supernet/supernet.h"
#include "nas/supernet/weight_training.h"

namespace autospace::nas {

struct DeaSettings {
  int population = 32;       // P, per layer
  int supernet_cells = 8;    // M, candidates per layer in each supernet
  int top_k = 6;             // K, cells per layer in the learned space
  int period = 100;          // T, weight steps between regenerations
  int tournament = 8;        // S
  int children = 4;          // new cells per layer and regeneration (at most M)
  int delta = 2;             // Hamming radius around the reference (first half)
  bool use_reference = true;
  double momentum = 0.5;     // mu of Eq. 5
  bool compensation = true;  // Eq. 4
  float compensation_max = 10.f;  // s_max
  Replacement replacement = Replacement::worst;
  CapRule cap;               // C_max per layer
  CellChoices choices;
  // Optimisers: weights by SGD (Nesterov, weight decay off for BN/bias), scores by Adam.
  float momentum_sgd = 0.9f;
  float weight_decay = 4e-5f;
  float score_lr = 1e-3f;
  float score_beta1 = 0.f, score_beta2 = 0.999f;
  double grad_clip = 5.0;
};

class Evolution {
 public:
  // `total_steps` weight steps in all: the reference constraint holds in the first half.
  // The supernet, its gate logits and both optimisers' state live on `device`.
  Evolution(const Backbone& backbone, const DeaSettings& settings, std::uint64_t seed, std::int64_t total_steps,
            Device device = Device::cpu());

  StepResult weight_step(const Tensor& x, const Tensor& labels, float lr);
  StepResult score_step(const Tensor& x, const Tensor& labels);
  // Weight and score steps the non-finite guard skipped so far in this process (a read on
  // a GPU; raises the guard's abort when more than its limit were skipped in a row).
  std::int64_t skipped_steps() const { return guard_.read().skipped; }
  bool regeneration_due() const { return step_ > 0 && step_ % settings_.period == 0 && step_ < total_steps_; }
  void regenerate();
  // Writes the current scores back into the populations (call once at the end).
  void finish();

  // Data-parallel evolution (data_parallel.h): every rank feeds its own share of each
  // batch; the weight and score gradients are averaged over ranks in buckets during the
  // backward pass (only the sampled paths take part), the guard decides on the global
  // loss, batch-norm statistics span the global batch when asked, and every regeneration
  // checks that all ranks reached the same populations (they decide from the shared
  // seed and identical averaged scores), failing with the first differing layer and rank.
  void distribute(const DataParallel& parallel) { parallel_ = parallel; }
  const DataParallel& parallel() const { return parallel_; }

  // The top-K cells of every layer by fitness (the learned space).
  LearnedSpace learned_space() const;

  std::int64_t step() const { return step_; }
  std::int64_t round() const { return round_; }
  const Population& population(std::size_t layer) const { return populations_.at(layer); }
  Supernet& supernet() { return *supernet_; }
  // Mean entropy (nats) of the layers' candidate distributions; best and mean fitness;
  // population diversity (distinct cells over all layers / total members).
  struct Stats {
    double entropy = 0, best_fitness = 0, mean_fitness = 0, diversity = 0;
  };
  Stats stats() const;

  // Checkpoint: everything needed to continue bit-identically.
  nas::Json state() const;
  std::vector<NamedTensor> tensors() const;           // supernet state (parameters + buffers)
  std::vector<NamedTensor> optimizer_tensors() const;  // SGD and Adam slots
  void restore(const nas::Json& state, const std::vector<NamedTensor>& tensors,
               const std::vector<NamedTensor>& optimizer_tensors, const std::string& source);

 private:
  CellConstraint constraint(std::size_t layer, bool first_half) const;
  void build_supernet_layer(std::size_t layer);
  void reset_score_optimizer();
  void check_populations_agree() const;

  Backbone backbone_;
  DeaSettings settings_;
  std::uint64_t seed_;
  Device device_;
  std::int64_t total_steps_;
  std::int64_t step_ = 0, score_steps_ = 0, round_ = 0;
  std::vector<std::int64_t> caps_;
  std::vector<Population> populations_;
  std::vector<std::vector<int>> members_;  // population index of each supernet candidate, per layer
  std::unique_ptr<Supernet> supernet_;
  std::unique_ptr<optim::SGD> weights_;
  std::unique_ptr<optim::Adam> scores_;
  optim::NonFiniteGuard guard_{20};
  DataParallel parallel_;  // single process unless distribute() was called
};

}  // namespace autospace::nas
