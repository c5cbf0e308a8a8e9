#include "nas/supernet/weight_training.h"

#include "engine/ops/cross_entropy.h"

namespace autospace::nas {

std::vector<optim::ParamGroup> weight_decay_groups(const std::vector<NamedTensor>& params, float weight_decay) {
  const auto split = nn::split_weight_decay(params);
  return {{split.decay, weight_decay, 1.f}, {split.no_decay, 0.f, 1.f}};
}

StepResult train_weights(nn::Module& net, optim::SGD& sgd, optim::NonFiniteGuard& guard, double grad_clip,
                         const Tensor& x, const Tensor& labels, float lr) {
  net.train();
  StepResult r;
  r.logits = net.forward(x);
  Tensor loss = ops::softmax_cross_entropy(r.logits, labels);
  loss.backward();
  r.loss = loss.item();
  const double norm = grad_clip > 0 ? optim::clip_grad_norm(sgd.parameters(), grad_clip) : optim::grad_norm(sgd.parameters());
  r.applied = guard.accept(r.loss, norm);
  if (r.applied) sgd.step(lr);
  sgd.zero_grad();
  return r;
}

}  // namespace autospace::nas
