#include "engine/nn/linear.h"

#include "engine/ops/linear.h"

namespace autospace::nn {

Linear::Linear(std::int64_t in_features, std::int64_t out_features, bool bias, Init weight_init) {
  weight_ = register_parameter("weight", {out_features, in_features}, weight_init);
  if (bias) bias_ = register_parameter("bias", {out_features}, Init::zeros);
}

Tensor Linear::forward(const Tensor& x) { return ops::linear(x, weight_, bias_); }

}  // namespace autospace::nn
