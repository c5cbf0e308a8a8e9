#pragma once
// A searchable layer with binary gates (DESIGN 4.3, ProxylessNAS two-path mode). It holds
// M candidate blocks and architecture logits a (the DEA's fitness scores, Eq. 3). Each
// training step samples two distinct candidates from p = softmax(a), renormalises over the
// pair and activates one: the output is that candidate's (plus the input when the layer is
// residual). Only the active candidate records a graph, so only its weights get gradients;
// the inactive one runs under no_grad to provide its gate gradient. Steps that train
// weights only (the DEA's weight steps, SPOS) skip the inactive candidate altogether: its
// output would only feed a gate gradient that nobody reads.
//
// The logits tensor lives on the layer's device (the binary gate's backward writes its
// gradient there, the architecture optimiser steps it there); the host reads a mirror of
// it (sampling, probabilities, the pair's values), so a GPU step copies nothing back. The
// mirror is refreshed wherever the logits change: set_logits, and logits_changed after an
// optimiser step. An architecture step, which changes every layer's logits, does both for
// all its gates at once (the free functions below): one copy each way, since on a GPU
// every copy between host and device waits for the queued work. On the CPU every read
// checks the mirror against the tensor, so the CPU tests catch a change that forgot the
// refresh.
#include <array>
#include <memory>
#include <vector>

#include "engine/nn/module.h"
#include "engine/ops/binary_gate.h"
#include "engine/optim/optimizer.h"
#include "engine/rng/rng.h"

namespace autospace::nas {

// What a training forward after sample() must provide.
enum class GatePaths {
  both,         // active output + gate gradients for the pair (score steps)
  active_only,  // active output alone; the logits get no gradient (weight steps)
};

class GatedLayer : public nn::Module {
 public:
  // A null candidate is the zero block: it contributes nothing, so a residual layer with
  // it active passes its input through (the layer is skipped).
  GatedLayer(std::vector<std::shared_ptr<nn::Module>> candidates, bool residual, const std::vector<float>& logits,
             Device device = Device::cpu());

  // Draws the pair and the active candidate for the next training forward. The draw and
  // Eq. 4's counters do not depend on `paths`.
  void sample(Rng& rng, GatePaths paths = GatePaths::both);
  // From now on forward runs candidate k alone (evaluation of a derived architecture).
  void fix(int k);
  bool fixed() const { return fixed_ >= 0; }
  Tensor forward(const Tensor& x) override;

  int candidates() const { return static_cast<int>(candidates_.size()); }
  const std::shared_ptr<nn::Module>& candidate(int k) const { return candidates_[k]; }
  // Architecture logits [M] on the layer's device (requires a gradient; not among the
  // module's parameters, so a separate optimiser updates them).
  const Tensor& logits() const { return logits_; }
  // Their values on the host (the mirror), and new values for them (nas::set_logits for
  // several gates at once; nas::logits_changed after the tensor was written in place).
  const std::vector<float>& host_logits() const;
  void set_logits(const std::vector<float>& values);
  std::vector<double> probabilities() const;
  double entropy() const;  // of probabilities(), nats
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
  // After that step, from the logits as the optimiser left them (the refreshed mirror):
  // each pair logit's change scaled by its factor (Eq. 4; 1 = none), then both shifted so
  // that their joint softmax mass — hence every other candidate's probability — is what it
  // was before the step. The caller writes the result back (set_logits).
  std::vector<float> finished_logits(const std::array<float, 2>& before, const std::array<float, 2>& scale) const;

 private:
  friend void logits_changed(const std::vector<GatedLayer*>& gates);
  friend void set_logits(const std::vector<GatedLayer*>& gates, const std::vector<std::vector<float>>& values);

  Tensor run(int k, const Tensor& x);
  void on_device_changed(Device device) override { logits_.move_to(device); }

  std::vector<std::shared_ptr<nn::Module>> candidates_;
  bool residual_;
  Tensor logits_;
  std::vector<float> host_;
  ops::GatePair pair_;
  bool sampled_once_ = false;
  GatePaths paths_ = GatePaths::both;
  int fixed_ = -1;
  std::int64_t steps_ = 0;
  std::vector<std::int64_t> sampled_;
};

// Several gates at once (an architecture step's), one copy between host and device each,
// whatever the number of gates; the gates share one device.
// - logits_changed: every tensor was written in place (an optimiser step); refresh the mirrors.
// - set_logits: new values for every gate, values[l] for gates[l].
// - upload_per_gate: host values as one tensor per gate on the gates' device, values[l]
//   shaped like gates[l]'s logits (gradients built on the host).
void logits_changed(const std::vector<GatedLayer*>& gates);
void set_logits(const std::vector<GatedLayer*>& gates, const std::vector<std::vector<float>>& values);
std::vector<Tensor> upload_per_gate(const std::vector<GatedLayer*>& gates, const std::vector<std::vector<float>>& values);

// How an architecture step treats each gate's pair after the optimiser moved its logits.
struct GateUpdate {
  bool compensation = true;        // Eq. 4: scale candidate c's change by s_c
  float compensation_max = 10.f;   // s_max
};

// One step of `optimizer` (which holds exactly these gates' logits, their gradients
// accumulated by a two-path forward and backward), then for every gate the compensation
// and the re-centring of GatedLayer::finished_logits.
void step_gate_logits(const std::vector<GatedLayer*>& gates, optim::Optimizer& optimizer, float lr,
                      const GateUpdate& update);

}  // namespace autospace::nas
