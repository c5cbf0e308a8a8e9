#pragma once
// A searchable layer with binary gates (DESIGN 4.3, ProxylessNAS two-path mode). It holds
// M candidate blocks and architecture logits a (the DEA's fitness scores, Eq. 3). Each
// training step samples two distinct candidates from p = softmax(a), renormalises over the
// pair and activates one: the output is that candidate's (plus the input when the layer is
// residual). Only the active candidate records a graph, so only its weights get gradients;
// the inactive one runs under no_grad to provide its gate gradient.
#include <array>
#include <memory>
#include <vector>

#include "engine/nn/module.h"
#include "engine/ops/binary_gate.h"
#include "engine/rng/rng.h"

namespace autospace::nas {

class GatedLayer : public nn::Module {
 public:
  // A null candidate is the zero block: it contributes nothing, so a residual layer with
  // it active passes its input through (the layer is skipped).
  GatedLayer(std::vector<std::shared_ptr<nn::Module>> candidates, bool residual, const std::vector<float>& logits);

  // Draws the pair and the active candidate for the next training forward.
  void sample(Rng& rng);
  // From now on forward runs candidate k alone (evaluation of a derived architecture).
  void fix(int k);
  bool fixed() const { return fixed_ >= 0; }
  Tensor forward(const Tensor& x) override;

  int candidates() const { return static_cast<int>(candidates_.size()); }
  const std::shared_ptr<nn::Module>& candidate(int k) const { return candidates_[k]; }
  // Architecture logits [M] (requires a gradient; not among the module's parameters, so a
  // separate optimiser updates them).
  const Tensor& logits() const { return logits_; }
  std::vector<double> probabilities() const;
  int argmax() const;
  const ops::GatePair& pair() const { return pair_; }
  int active() const { return pair_.first_active ? pair_.first : pair_.second; }

  // Steps since construction and how often each candidate was in the sampled pair
  // (Eq. 4's t and t_c).
  std::int64_t steps() const { return steps_; }
  std::int64_t sampled_count(int k) const { return sampled_[k]; }
  // Restores the counters above (resuming from a checkpoint).
  void set_counts(std::int64_t steps, std::vector<std::int64_t> sampled);
  // Eq. 4: s_c = min(s_max, t / max(1, t_c)).
  float compensation(int k, float s_max) const;

  // Pair logits as they are before the architecture optimiser's step.
  std::array<float, 2> pair_logits() const;
  // After that step: scales each pair logit's change by its factor (Eq. 4; 1 = none), then
  // shifts both so that their joint softmax mass — hence every other candidate's
  // probability — is what it was before the step.
  void finish_logit_update(const std::array<float, 2>& before, const std::array<float, 2>& scale);

 private:
  Tensor run(int k, const Tensor& x);

  std::vector<std::shared_ptr<nn::Module>> candidates_;
  bool residual_;
  Tensor logits_;
  ops::GatePair pair_;
  bool sampled_once_ = false;
  int fixed_ = -1;
  std::int64_t steps_ = 0;
  std::vector<std::int64_t> sampled_;
};

}  // namespace autospace::nas
