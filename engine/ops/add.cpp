#include "engine/ops/add.h"

#include "engine/autograd/node.h"
#include "engine/ops/kernel_table.h"
#include "engine/ops/op_support.h"
#include "kernels/cpu/add.h"
#include "kernels/cuda/add.h"

namespace autospace::ops {

namespace {

template <class T> using AddKernel = decltype(kernels::cpu::add<T>);
const FloatKernelTable<AddKernel> kAdd{"add", {AUTOSPACE_FLOAT_KERNELS(AddKernel, add)}};

struct AddNode : Node {
  const char* name() const override { return "add"; }
  std::vector<Tensor> backward(const Tensor& g) override { return {g, g}; }
};

// out = a + b elementwise, a, b and out of one float dtype on one device.
void add_into(const Tensor& a, const Tensor& b, const Tensor& out, const char* op) {
  with_float_type(a.dtype(), op, "a", [&](auto t) {
    using T = decltype(t);
    kAdd.get<T>(out.device())(a.numel(), a.data<T>(), b.data<T>(), out.data<T>());
  });
}

}  // namespace

Tensor add(const Tensor& a, const Tensor& b) {
  expect_float(a, "add", "a");
  expect_float(b, "add", "b");
  expect_same_dtype(a, b, "add");
  AUTOSPACE_CHECK(a.shape() == b.shape(), "add: shapes ", shape_str(a.shape()), " and ", shape_str(b.shape()));
  const Device device = common_device({&a, &b}, "add");
  Tensor out = Tensor::empty(a.shape(), a.dtype(), device);
  add_into(a, b, out, "add");
  if (needs_grad({&a, &b})) record(std::make_shared<AddNode>(), out, {a, b});
  return out;
}

void add_in_place(const Tensor& target, const Tensor& addend) {
  expect_float(target, "add_in_place", "target");
  expect_float(addend, "add_in_place", "addend");
  expect_same_dtype(target, addend, "add_in_place");
  AUTOSPACE_CHECK(target.shape() == addend.shape(), "add_in_place: shapes ", shape_str(target.shape()), " and ",
                  shape_str(addend.shape()));
  common_device({&target, &addend}, "add_in_place");
  add_into(target, addend, target, "add_in_place");
}

}  // namespace autospace::ops
