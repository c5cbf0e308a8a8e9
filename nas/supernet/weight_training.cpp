#include "nas/supernet/weight_training.h"

#include "engine/nn/buffer_snapshot.h"
#include "engine/ops/cross_entropy.h"
#include "engine/ops/step_gate.h"

namespace autospace::nas {

std::vector<optim::ParamGroup> weight_decay_groups(const std::vector<NamedTensor>& params, float weight_decay) {
  const auto split = nn::split_weight_decay(params);
  return {{split.decay, weight_decay, 1.f}, {split.no_decay, 0.f, 1.f}};
}

double StepResult::loss() const {
  const std::vector<float> f = figures.to_vector();
  return static_cast<double>(f[0]) / static_cast<double>(f[2]);
}

bool StepResult::applied() const { return gate.item() != 0.f; }

StepResult judge_step(const Tensor& logits, const Tensor& labels, const Tensor& loss, const Tensor& gradient_norm,
                      optim::NonFiniteGuard& guard, const DataParallel& parallel) {
  StepResult r;
  r.logits = logits;
  r.figures = ops::step_figures(logits, labels, loss, 0);
  parallel.sum_in_place(r.figures);  // every rank judges the global batch: the same verdict
  r.gate = guard.judge(r.figures, gradient_norm);
  return r;
}

StepResult train_weights(nn::Module& net, optim::SGD& sgd, optim::NonFiniteGuard& guard, double grad_clip,
                         const Tensor& x, const Tensor& labels, float lr, const DataParallel& parallel) {
  net.train();
  const nn::BufferSnapshot buffers(net);  // a skipped step must not move the BN statistics
  Tensor logits, loss;
  {
    const auto sync = parallel.batch_norm_scope();
    logits = net.forward(x);
    loss = ops::softmax_cross_entropy(logits, labels);
    parallel.backward(loss, net.named_parameters());
  }
  const Tensor norm = grad_clip > 0 ? optim::clip_grad_norm(sgd.parameters(), grad_clip) : optim::grad_norm(sgd.parameters());
  StepResult r = judge_step(logits, labels, loss, norm, guard, parallel);
  sgd.step(lr, r.gate);
  buffers.restore_unless_applied(r.gate);
  sgd.zero_grad();
  return r;
}

std::vector<NamedTensor> joined_optimizer_state(const NamedOptimizers& optimizers) {
  std::vector<NamedTensor> out;
  for (const auto& [key, optimizer] : optimizers)
    for (auto& [name, t] : optimizer->state()) out.emplace_back(key + "/" + name, t);
  return out;
}

void load_joined_optimizer_state(const NamedOptimizers& optimizers, const std::vector<NamedTensor>& state,
                                 const std::string& source) {
  for (const auto& [key, optimizer] : optimizers) {
    const std::string prefix = key + "/";
    std::vector<NamedTensor> own;
    for (const auto& [name, t] : state)
      if (name.rfind(prefix, 0) == 0) own.emplace_back(name.substr(prefix.size()), t);
    optimizer->load_state(own, source);
  }
}

}  // namespace autospace::nas
