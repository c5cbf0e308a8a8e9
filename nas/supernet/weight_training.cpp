#include "nas/supernet/weight_training.h"

#include "engine/nn/buffer_snapshot.h"
#include "engine/ops/cross_entropy.h"

namespace autospace::nas {

std::vector<optim::ParamGroup> weight_decay_groups(const std::vector<NamedTensor>& params, float weight_decay) {
  const auto split = nn::split_weight_decay(params);
  return {{split.decay, weight_decay, 1.f}, {split.no_decay, 0.f, 1.f}};
}

StepResult train_weights(nn::Module& net, optim::SGD& sgd, optim::NonFiniteGuard& guard, double grad_clip,
                         const Tensor& x, const Tensor& labels, float lr, const DataParallel& parallel) {
  net.train();
  const nn::BufferSnapshot buffers(net);  // a skipped step must not move the BN statistics
  StepResult r;
  {
    const auto sync = parallel.batch_norm_scope();
    r.logits = net.forward(x);
    Tensor loss = ops::softmax_cross_entropy(r.logits, labels);
    parallel.backward(loss, net.named_parameters());
    r.loss = parallel.mean(loss.item());
  }
  const Tensor norm = grad_clip > 0 ? optim::clip_grad_norm(sgd.parameters(), grad_clip) : optim::grad_norm(sgd.parameters());
  // Judged on the device, then read: this loop reads its loss every step anyway.
  const Tensor gate = guard.judge(Tensor::from_vector({static_cast<float>(r.loss)}, {1}), norm);
  sgd.step(lr, gate);
  buffers.restore_unless_applied(gate);
  r.applied = guard.read().last_applied;
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
