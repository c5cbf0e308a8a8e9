#include "engine/ops/channel_slice.h"

#include "engine/autograd/node.h"
#include "engine/ops/kernel_table.h"
#include "engine/ops/op_support.h"
#include "kernels/cpu/channel_slice.h"
#include "kernels/cuda/channel_slice.h"

namespace autospace::ops {

namespace {

const KernelTable<decltype(kernels::cpu::channel_slice_backward)> kChannelSliceBackward{
    "channel_slice_backward", {AUTOSPACE_F32_KERNELS(channel_slice_backward)}};
const KernelTable<decltype(kernels::cpu::channel_slice)> kChannelSlice{"channel_slice",
                                                                       {AUTOSPACE_F32_KERNELS(channel_slice)}};

struct ChannelSliceNode : Node {
  kernels::SliceShape slice;

  const char* name() const override { return "channel_slice"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    Tensor dx = Tensor::empty(inputs[0].shape(), DType::f32, g.device());
    kChannelSliceBackward(g.device(), DType::f32)(slice, g.data<float>(), dx.data<float>());
    return {dx};
  }
};

}  // namespace

Tensor channel_slice(const Tensor& x, int axis, std::int64_t count) {
  expect_f32(x, "channel_slice", "x");
  const int rank = x.ndim();
  AUTOSPACE_CHECK(axis >= -rank && axis < rank, "channel_slice: axis ", axis, " out of range for shape ",
                  shape_str(x.shape()));
  const int a = axis < 0 ? axis + rank : axis;
  const std::int64_t extent = x.dim(a);
  AUTOSPACE_CHECK(count >= 1 && count <= extent, "channel_slice: count ", count, " outside [1, ", extent,
                  "] for axis ", axis, " of shape ", shape_str(x.shape()));

  kernels::SliceShape slice;
  slice.extent = extent;
  slice.count = count;
  for (int i = 0; i < a; ++i) slice.outer *= x.dim(i);
  for (int i = a + 1; i < rank; ++i) slice.inner *= x.dim(i);

  Tensor out;
  if (a == 0) {
    out = x.narrow0(0, count);
  } else {
    Shape shape = x.shape();
    shape[static_cast<std::size_t>(a)] = count;
    out = Tensor::empty(shape, DType::f32, x.device());
    kChannelSlice(x.device(), DType::f32)(slice, x.data<float>(), out.data<float>());
  }
  if (needs_grad({&x})) {
    auto node = std::make_shared<ChannelSliceNode>();
    node->slice = slice;
    record(node, out, {x});
  }
  return out;
}

}  // namespace autospace::ops
