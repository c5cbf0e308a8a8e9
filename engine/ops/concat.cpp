#include "engine/ops/concat.h"

#include <algorithm>
#include <string>

#include "engine/autograd/node.h"
#include "engine/ops/kernel_table.h"
#include "engine/ops/op_support.h"
#include "kernels/cpu/concat.h"
#include "kernels/cuda/concat.h"

namespace autospace::ops {

namespace {

template <class T> using ConcatKernel = decltype(kernels::cpu::concat_channels<T>);
template <class T> using SplitKernel = decltype(kernels::cpu::split_channels<T>);
const FloatKernelTable<ConcatKernel> kConcatChannels{
    "concat_channels",
    {AUTOSPACE_FLOAT_KERNELS(ConcatKernel, concat_channels)}};
const FloatKernelTable<SplitKernel> kSplitChannels{
    "split_channels",
    {AUTOSPACE_FLOAT_KERNELS(SplitKernel, split_channels)}};

struct ConcatNode : Node {
  std::int64_t rows = 0;
  std::vector<std::int64_t> widths;

  const char* name() const override { return "concat_channels"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    std::vector<Tensor> grads(inputs.size());
    with_float_type(g.dtype(), name(), "gradient", [&](auto t) {
      using T = decltype(t);
      std::vector<T*> outs(inputs.size(), nullptr);
      for (std::size_t k = 0; k < inputs.size(); ++k)
        if (inputs[k].requires_grad()) {
          grads[k] = Tensor::empty(inputs[k].shape(), g.dtype(), g.device());
          outs[k] = grads[k].data<T>();
        }
      kSplitChannels.get<T>(g.device())(rows, static_cast<std::int64_t>(widths.size()), g.data<T>(), widths.data(),
                                        outs.data());
    });
    return grads;
  }
};

}  // namespace

Tensor concat_channels(const std::vector<Tensor>& xs) {
  AUTOSPACE_CHECK(!xs.empty(), "concat_channels: no inputs");
  const Tensor& first = xs[0];
  for (std::size_t k = 0; k < xs.size(); ++k) {
    const std::string arg = "input " + std::to_string(k);
    expect_float(xs[k], "concat_channels", arg.c_str());
    expect_same_dtype(first, xs[k], "concat_channels");
    AUTOSPACE_CHECK(xs[k].ndim() >= 1, "concat_channels: ", arg, " is a scalar");
    const Shape& shape = xs[k].shape();
    AUTOSPACE_CHECK(xs[k].ndim() == first.ndim() && std::equal(shape.begin(), shape.end() - 1, first.shape().begin()),
                    "concat_channels: ", arg, " has shape ", shape_str(shape), ", input 0 has ",
                    shape_str(first.shape()), " (all but the last dimension must agree)");
    AUTOSPACE_CHECK(xs[k].device() == first.device(), "concat_channels: ", arg, " is on ", xs[k].device().str(),
                    ", input 0 on ", first.device().str());
  }
  if (xs.size() == 1) return first;

  const std::int64_t rows = shape_numel(Shape(first.shape().begin(), first.shape().end() - 1));
  std::vector<std::int64_t> widths;
  Shape out_shape = first.shape();
  out_shape.back() = 0;
  for (const Tensor& x : xs) {
    widths.push_back(x.dim(-1));
    out_shape.back() += x.dim(-1);
  }
  Tensor out = Tensor::empty(out_shape, first.dtype(), first.device());
  with_float_type(first.dtype(), "concat_channels", "input 0", [&](auto t) {
    using T = decltype(t);
    std::vector<const T*> srcs;
    for (const Tensor& x : xs) srcs.push_back(x.data<T>());
    kConcatChannels.get<T>(first.device())(rows, static_cast<std::int64_t>(xs.size()), srcs.data(), widths.data(),
                                           out.data<T>());
  });

  bool any_grad = false;
  for (const Tensor& x : xs) any_grad |= needs_grad({&x});
  if (any_grad) {
    auto node = std::make_shared<ConcatNode>();
    node->rows = rows;
    node->widths = std::move(widths);
    record(node, out, xs);
  }
  return out;
}

std::vector<std::vector<float>> values_on_host(const std::vector<Tensor>& tensors) {
  if (tensors.empty()) return {};
  std::vector<Tensor> rows;
  for (const Tensor& t : tensors) rows.push_back(t.detach().view({1, t.numel()}));
  const std::vector<float> all = (rows.size() == 1 ? rows[0] : concat_channels(rows)).to_vector();
  std::vector<std::vector<float>> out;
  std::size_t at = 0;
  for (const Tensor& t : tensors) {
    const auto n = static_cast<std::size_t>(t.numel());
    out.emplace_back(all.begin() + static_cast<std::ptrdiff_t>(at), all.begin() + static_cast<std::ptrdiff_t>(at + n));
    at += n;
  }
  return out;
}

}  // namespace autospace::ops
