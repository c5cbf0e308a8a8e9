#include "engine/ops/channel_slice.h"

#include "engine/autograd/node.h"
#include "engine/ops/kernel_table.h"
#include "engine/ops/op_support.h"
#include "kernels/cpu/channel_slice.h"
#include "kernels/cuda/channel_slice.h"

namespace autospace::ops {

namespace {

template <class T> using SliceKernel = decltype(kernels::cpu::channel_slice<T>);
template <class T> using SliceBackwardKernel = decltype(kernels::cpu::channel_slice_backward<T>);
const FloatKernelTable<SliceBackwardKernel> kChannelSliceBackward{
    "channel_slice_backward",
    {AUTOSPACE_FLOAT_KERNELS(SliceBackwardKernel, channel_slice_backward)}};
const FloatKernelTable<SliceKernel> kChannelSlice{
    "channel_slice",
    {AUTOSPACE_FLOAT_KERNELS(SliceKernel, channel_slice)}};

struct ChannelSliceNode : Node {
  kernels::SliceShape slice;

  const char* name() const override { return "channel_slice"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    Tensor dx = Tensor::empty(inputs[0].shape(), g.dtype(), g.device());
    with_float_type(g.dtype(), name(), "gradient", [&](auto t) {
      using T = decltype(t);
      kChannelSliceBackward.get<T>(g.device())(slice, g.data<T>(), dx.data<T>());
    });
    return {dx};
  }
};

}  // namespace

Tensor channel_slice(const Tensor& x, int axis, std::int64_t count) {
  expect_float(x, "channel_slice", "x");
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
    out = Tensor::empty(shape, x.dtype(), x.device());
    with_float_type(x.dtype(), "channel_slice", "x", [&](auto t) {
      using T = decltype(t);
      kChannelSlice.get<T>(x.device())(slice, x.data<T>(), out.data<T>());
    });
  }
  if (needs_grad({&x})) {
    auto node = std::make_shared<ChannelSliceNode>();
    node->slice = slice;
    record(node, out, {x});
  }
  return out;
}

}  // namespace autospace::ops
