#pragma once
#include "engine/tensor.h"

namespace autospace::ops {

// Same elements, another shape (a view); differentiable. One dimension may be -1.
Tensor reshape(const Tensor& x, Shape shape);

}  // namespace autospace::ops
