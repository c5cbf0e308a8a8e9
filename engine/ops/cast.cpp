#include "engine/ops/cast.h"

#include "engine/autograd/node.h"
#include "engine/ops/op_support.h"

namespace autospace::ops {

namespace {

struct CastNode : Node {
  DType input_dtype = DType::f32;
  const char* name() const override { return "cast"; }
  std::vector<Tensor> backward(const Tensor& g) override { return {g.to(input_dtype)}; }
};

}  // namespace

Tensor cast(const Tensor& x, DType dtype) {
  expect_float(x, "cast", "x");
  AUTOSPACE_CHECK(dtype == DType::f32 || dtype == DType::bf16, "cast: the target must be f32 or bf16, got ",
                  dtype_name(dtype));
  if (x.dtype() == dtype) return x;
  Tensor out = x.to(dtype);
  if (needs_grad({&x})) {
    auto node = std::make_shared<CastNode>();
    node->input_dtype = x.dtype();
    record(node, out, {x});
  }
  return out;
}

}  // namespace autospace::ops
