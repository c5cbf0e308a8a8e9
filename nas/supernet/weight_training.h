#pragma once
// The weight side every supernet trainer shares (the DEA, the gated searchers, the
// single-path supernet): SGD parameter groups with weight decay off for BN and biases,
// and one guarded training step.
#include <string>
#include <utility>
#include <vector>

#include "engine/nn/module.h"
#include "engine/optim/grad_utils.h"
#include "engine/optim/optimizer.h"
#include "nas/supernet/data_parallel.h"

namespace autospace::nas {

// Conv/linear weights decay at `weight_decay`; BN affine and biases do not.
std::vector<optim::ParamGroup> weight_decay_groups(const std::vector<NamedTensor>& params, float weight_decay);

// A supernet step's outcome, kept where it ran: nothing is read back unless asked.
struct StepResult {
  Tensor logits;
  Tensor figures;  // f32 [4] (ops::step_figures), summed over the ranks
  Tensor gate;     // f32 [1]: 1 applied, 0 skipped by the non-finite guard
  // Read back (a synchronisation on a GPU), for callers that need them now.
  double loss() const;  // the mean over the global batch
  bool applied() const;
};

// One step on the weights of `net` (already sampled or fixed by the caller): training
// forward, cross-entropy, backward (gradients averaged over the ranks of `parallel`),
// gradient clipping at `grad_clip` (0: none), and the SGD step unless the guard rejects a
// non-finite loss or gradient, decided on the device (NonFiniteGuard::judge). Gradients are
// cleared; nothing is read back: the guard's counts are read where the caller asks
// (its divergence abort with them).
StepResult train_weights(nn::Module& net, optim::SGD& sgd, optim::NonFiniteGuard& guard, double grad_clip,
                         const Tensor& x, const Tensor& labels, float lr, const DataParallel& parallel = DataParallel{});

// The step's figures (loss: the batch's mean cross-entropy) summed over the ranks, and the
// guard's gate from them and the gradient norm: the shared tail of every supernet step.
StepResult judge_step(const Tensor& logits, const Tensor& labels, const Tensor& loss, const Tensor& gradient_norm,
                      optim::NonFiniteGuard& guard, const DataParallel& parallel);

// The state of several optimisers as one list of named tensors for a checkpoint (each
// name prefixed "<key>/"), and back: every optimiser loads the entries under its key.
using NamedOptimizers = std::vector<std::pair<std::string, optim::Optimizer*>>;
std::vector<NamedTensor> joined_optimizer_state(const NamedOptimizers& optimizers);
void load_joined_optimizer_state(const NamedOptimizers& optimizers, const std::vector<NamedTensor>& state,
                                 const std::string& source);

}  // namespace autospace::nas
