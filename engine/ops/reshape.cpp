#include "engine/ops/reshape.h"

#include "engine/autograd/node.h"
#include "engine/ops/op_support.h"

namespace autospace::ops {

namespace {

struct ReshapeNode : Node {
  const char* name() const override { return "reshape"; }
  std::vector<Tensor> backward(const Tensor& g) override { return {g.view(inputs[0].shape())}; }
};

}  // namespace

Tensor reshape(const Tensor& x, Shape shape) {
  AUTOSPACE_CHECK(x.defined(), "reshape: x is undefined");
  std::int64_t known = 1;
  int inferred = -1;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      AUTOSPACE_CHECK(inferred < 0, "reshape: more than one -1 in ", shape_str(shape));
      inferred = static_cast<int>(i);
    } else {
      AUTOSPACE_CHECK(shape[i] >= 0, "reshape: negative dimension in ", shape_str(shape));
      known *= shape[i];
    }
  }
  if (inferred >= 0) {
    AUTOSPACE_CHECK(known > 0 && x.numel() % known == 0, "reshape: cannot view ", shape_str(x.shape()), " (",
                    x.numel(), " elements) as ", shape_str(shape));
    shape[static_cast<std::size_t>(inferred)] = x.numel() / known;
  }
  AUTOSPACE_CHECK(shape_numel(shape) == x.numel(), "reshape: cannot view ", shape_str(x.shape()), " (", x.numel(),
                  " elements) as ", shape_str(shape));
  Tensor out = x.view(shape);
  if (needs_grad({&x})) record(std::make_shared<ReshapeNode>(), out, {x});
  return out;
}

}  // namespace autospace::ops
