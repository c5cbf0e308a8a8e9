#pragma once
#include "engine/nn/module.h"

namespace autospace::nn {

// Fully connected layer: [N, in] -> [N, out].
class Linear : public Module {
 public:
  Linear(std::int64_t in_features, std::int64_t out_features, bool bias = true, Init weight_init = Init::linear_uniform);
  Tensor forward(const Tensor& x) override;

 private:
  Tensor weight_, bias_;
};

}  // namespace autospace::nn
