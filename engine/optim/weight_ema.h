#pragma once
// Weight EMA (train.ema_decay): a shadow copy of the model, updated after every applied
// step as shadow = decay * shadow + (1 - decay) * model over the parameters and the BN
// running statistics (the whole state, as timm's ModelEmaV2 does). The shadow is a second
// module of the same architecture, so it is evaluated and saved like the model itself.
#include <memory>
#include <vector>

#include "engine/nn/module.h"

namespace autospace::optim {

class WeightEma {
 public:
  // `shadow` must have the model's state names and shapes; it starts as a copy of `model`.
  WeightEma(std::shared_ptr<nn::Module> shadow, const nn::Module& model, double decay);

  // With a gate (NonFiniteGuard::judge), the shadow moves only where it says 1.
  void update(const nn::Module& model, const Tensor& gate = Tensor());
  nn::Module& shadow() { return *shadow_; }
  const nn::Module& shadow() const { return *shadow_; }
  double decay() const { return decay_; }

 private:
  std::shared_ptr<nn::Module> shadow_;
  std::vector<NamedTensor> shadow_state_;
  double decay_;
};

}  // namespace autospace::optim
