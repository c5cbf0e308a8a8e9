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

struct StepResult {
  double loss = 0;
  Tensor logits;
  bool applied = true;  // false when the non-finite guard skipped it
};

// One step on the weights of `net` (already sampled or fixed by the caller): training
// forward, cross-entropy, backward (gradients averaged over the ranks of `parallel`),
// gradient clipping at `grad_clip` (0: none), and the SGD step unless the guard rejects a
// non-finite loss or gradient. Gradients are cleared; the loss is the mean over ranks.
StepResult train_weights(nn::Module& net, optim::SGD& sgd, optim::NonFiniteGuard& guard, double grad_clip,
                         const Tensor& x, const Tensor& labels, float lr, const DataParallel& parallel = DataParallel{});

// The state of several optimisers as one list of named tensors for a checkpoint (each
// name prefixed "<key>/"), and back: every optimiser loads the entries under its key.
using NamedOptimizers = std::vector<std::pair<std::string, optim::Optimizer*>>;
std::vector<NamedTensor> joined_optimizer_state(const NamedOptimizers& optimizers);
void load_joined_optimizer_state(const NamedOptimizers& optimizers, const std::vector<NamedTensor>& state,
                                 const std::string& source);

}  // namespace autospace::nas
