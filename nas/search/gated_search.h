#pragma once
// ProxylessNAS-style searchers over a gated supernet (DESIGN 4.5): every searchable layer
// holds all the candidates of a space behind binary gates with architecture logits a.
// Weight steps train the sampled path with SGD on the training split; architecture steps
// on held-out batches update a with Adam. The cost C is the budget's (MAdds or params):
//   proxyless-g (gradient): through the binary gates' gradients, with the cost
//     regulariser on E[C] = fixed + sum_l sum_k p_lk c_lk (differentiable in a):
//     mul#log:    L = CE * (log E[C] / log target)^beta
//     add#linear: L = CE + lambda * (E[C] - target) / target
//   proxyless-rl (reinforce): one path drawn from p per step, reward
//     R = acc * (target / C)^w on the held-out batch, dL/da = -(R - b) d log p(path)/da
//     with a moving-average baseline b <- decay * b + (1 - decay) * R.
// Unless switched off, a budget controller (budget.h) adds a Lagrangian penalty whose
// multiplier adapts after every architecture step so that E[C] settles inside the
// budget's band, whatever beta, lambda or w are worth at this target. The result
// is the most probable architecture inside the band (budget_export.h); the plain argmax of
// a per layer is reported next to it. All randomness is keyed by (seed, step), so a run
// restored from its state continues exactly as an uninterrupted one.
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "nas/json_check.h"
#include "nas/madds_budget.h"
#include "nas/search/budget.h"
#include "nas/search/budget_export.h"
#include "nas/search/space_table.h"
#include "nas/search/supernet_search.h"
#include "nas/supernet/supernet.h"
#include "nas/supernet/weight_training.h"

namespace autospace::nas {

enum class GatedMethod { gradient, reinforce };
enum class MaddsLoss { mul_log, add_linear };

struct GatedSearchSettings {
  GatedMethod method = GatedMethod::gradient;
  Budget budget;  // target > 0
  MaddsLoss madds_loss = MaddsLoss::mul_log;
  double beta = 0.3;              // mul#log exponent (ProxylessNAS' default)
  double lambda = 0.1;            // add#linear weight
  double reward_exponent = 0.07;  // w of the REINFORCE reward
  bool adaptive_budget = true;     // the BudgetController's penalty on E[C]
  double budget_kp = 1.0, budget_ki = 0.01;  // its gains
  double baseline_decay = 0.99;
  float arch_lr = 1e-3f, arch_beta1 = 0.f, arch_beta2 = 0.999f;  // Adam on a (ProxylessNAS' defaults)
  float momentum = 0.9f, weight_decay = 4e-5f;                    // SGD (Nesterov) on the weights
  double grad_clip = 5.0;
};

struct ArchStepResult {
  double loss = 0;            // cross-entropy on the held-out batch
  double accuracy = 0;        // top-1 on it (of the sampled path for reinforce)
  double expected_cost = 0;  // E[C] before the step
  double multiplier = 0;     // the budget controller's multiplier the step used
  double reward = 0;          // reinforce only
  bool applied = true;        // false when the non-finite guard skipped it
};

// The proxyless-g loss of a cross-entropy `ce` at E[C] `expected_cost`, plus the budget
// controller's penalty at multiplier `multiplier`, with its partial derivatives (the
// architecture step backpropagates d_ce through the gates and adds d_expected_cost * dE/da
// itself).
struct RegularizedLoss {
  double value = 0, d_ce = 0, d_expected_cost = 0;
};
RegularizedLoss cost_regularized_loss(double ce, double expected_cost, const GatedSearchSettings& settings,
                                      double multiplier = 0);

class GatedSearch final : public SupernetSearch {
 public:
  // The supernet, its gate logits and both optimisers' state live on `device`.
  GatedSearch(const SpaceTable& table, const GatedSearchSettings& settings, std::uint64_t seed,
              Device device = Device::cpu());

  StepResult weight_step(const Tensor& x, const Tensor& labels, float lr) override;
  ArchStepResult arch_step(const Tensor& x, const Tensor& labels);

  // Data-parallel search (nas/supernet/data_parallel.h): each rank feeds its share of every
  // batch; weight and logit gradients, losses and accuracy counts are combined over ranks,
  // so every rank takes the same architecture steps and draws the same paths.
  void distribute(const DataParallel& parallel) override { parallel_ = parallel; }

  // Per layer the probabilities p = softmax(a) and their argmax; the most probable
  // architecture inside the budget's band (the found architecture; empty when the band is
  // unreachable); E[C]; the budget controller's multiplier; the mean entropy (nats) of the
  // layers' distributions.
  std::vector<std::vector<double>> probabilities() const;
  ArchChoice argmax() const;
  std::optional<BudgetExport> budget_export() const;
  double expected_cost() const;
  double multiplier() const { return settings_.adaptive_budget ? controller_.multiplier() : 0.0; }
  std::vector<double> entropies() const;  // per layer, nats
  double mean_entropy() const;
  std::optional<double> baseline() const { return baseline_; }

  std::int64_t weight_steps() const override { return weight_steps_; }
  std::int64_t skipped_steps() const override { return guard_.read().skipped; }
  std::int64_t arch_steps() const { return arch_steps_; }
  Supernet& supernet() override { return *supernet_; }

  // Checkpoint: everything needed to continue bit-identically.
  nas::Json state() const override;
  std::vector<NamedTensor> tensors() const override;
  std::vector<NamedTensor> optimizer_tensors() const override;
  void restore(const nas::Json& state, const std::vector<NamedTensor>& tensors,
               const std::vector<NamedTensor>& optimizer_tensors, const std::string& source) override;

 private:
  void build();
  ArchChoice draw_path(Rng& rng) const;
  ExpectedNetworkCost expected() const;
  ArchStepResult gradient_step(const Tensor& x, const Tensor& labels);
  ArchStepResult reinforce_step(const Tensor& x, const Tensor& labels);
  std::vector<Tensor> logit_tensors() const;
  double held_out_accuracy(const Tensor& logits, const Tensor& labels) const;  // top-1 over all ranks' shares

  const SpaceTable& table_;
  GatedSearchSettings settings_;
  std::uint64_t seed_;
  Device device_;
  std::unique_ptr<Supernet> supernet_;
  std::unique_ptr<optim::SGD> weights_;
  std::unique_ptr<optim::Adam> arch_;
  optim::NonFiniteGuard guard_{20};
  DataParallel parallel_;
  std::int64_t weight_steps_ = 0, arch_steps_ = 0;
  std::optional<double> baseline_;
  BudgetController controller_;
};

}  // namespace autospace::nas
