#include "engine/ops/add.h"

#include "engine/autograd/node.h"
#include "engine/ops/kernel_table.h"
#include "engine/ops/op_support.h"
#include "kernels/cpu/add.h"
#include "kernels/cuda/add.h"

namespace autospace::ops {

namespace {

const KernelTable<decltype(kernels::cpu::add)> kAdd{"add", {AUTOSPACE_F32_KERNELS(add)}};

struct AddNode : Node {
  const char* name() const override { return "add"; }
  std::vector<Tensor> backward(const Tensor& g) override { return {g, g}; }
};
}  // namespace

Tensor add(const Tensor& a, const Tensor& b) {
  expect_f32(a, "add", "a");
  expect_f32(b, "add", "b");
  AUTOSPACE_CHECK(a.shape() == b.shape(), "add: shapes ", shape_str(a.shape()), " and ", shape_str(b.shape()));
  const Device device = common_device({&a, &b}, "add");
  Tensor out = Tensor::empty(a.shape(), DType::f32, device);
  kAdd(device, DType::f32)(a.numel(), a.data<float>(), b.data<float>(), out.data<float>());
  if (needs_grad({&a, &b})) record(std::make_shared<AddNode>(), out, {a, b});
  return out;
}

void add_in_place(const Tensor& target, const Tensor& addend) {
  expect_f32(target, "add_in_place", "target");
  expect_f32(addend, "add_in_place", "addend");
  AUTOSPACE_CHECK(target.shape() == addend.shape(), "add_in_place: shapes ", shape_str(target.shape()), " and ",
                  shape_str(addend.shape()));
  const Device device = common_device({&target, &addend}, "add_in_place");
  kAdd(device, DType::f32)(target.numel(), target.data<float>(), addend.data<float>(), target.data<float>());
}

}  // namespace autospace::ops
