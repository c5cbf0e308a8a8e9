#include "engine/nn/sequential.h"

namespace autospace::nn {

Tensor Sequential::forward(const Tensor& x) {
  Tensor y = x;
  for (auto& [name, child] : named_children()) y = child->forward(y);
  return y;
}

}  // namespace autospace::nn
