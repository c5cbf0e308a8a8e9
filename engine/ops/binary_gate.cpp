#include "engine/ops/binary_gate.h"

#include "engine/autograd/node.h"
#include "engine/ops/kernel_table.h"
#include "engine/ops/op_support.h"
#include "kernels/cpu/binary_gate.h"
#include "kernels/cuda/binary_gate.h"

namespace autospace::ops {

namespace {

// The CPU kernel works on the pair's two logits in host memory; this gives it the device
// kernel's signature (all logits, the pair's indices, the gradient of all) for one table.
template <class T>
void cpu_binary_gate_backward(std::int64_t n, const T* dy, const T* out0, const T* out1, const float* logits,
                              std::int64_t first, std::int64_t second, float* dlogits) {
  const float pair_logits[2] = {logits[first], logits[second]};
  float d[2];
  kernels::cpu::binary_gate_backward(n, dy, out0, out1, pair_logits, d);
  dlogits[first] = d[0];
  dlogits[second] = d[1];
}

template <class T> using BackwardKernel = decltype(cpu_binary_gate_backward<T>);
const FloatKernelTable<BackwardKernel> kBinaryGateBackward{
    "binary_gate_backward",
    {FloatKernelTable<BackwardKernel>::entry<float>(DeviceKind::cpu, &cpu_binary_gate_backward<float>),
     FloatKernelTable<BackwardKernel>::entry<kernels::bf16>(DeviceKind::cpu, &cpu_binary_gate_backward<kernels::bf16>)
         AUTOSPACE_IF_CUDA(, FloatKernelTable<BackwardKernel>::entry<float>(
                                 DeviceKind::cuda, &kernels::cuda::binary_gate_backward<float>),
                           FloatKernelTable<BackwardKernel>::entry<kernels::bf16>(
                               DeviceKind::cuda, &kernels::cuda::binary_gate_backward<kernels::bf16>))}};

struct BinaryGateNode : Node {
  Tensor inactive;
  GatePair pair;
  const char* name() const override { return "binary_gate"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    const Tensor &active = inputs[0], &logits = inputs[1];
    Tensor dlogits;
    if (logits.requires_grad()) {
      const Tensor& out_first = pair.first_active ? active : inactive;
      const Tensor& out_second = pair.first_active ? inactive : active;
      // The logits stay where they are: the kernel reads the pair's two and writes theirs.
      dlogits = Tensor::zeros(logits.shape(), DType::f32, g.device());
      with_float_type(g.dtype(), name(), "gradient", [&](auto t) {
        using T = decltype(t);
        kBinaryGateBackward.get<T>(g.device())(g.numel(), g.data<T>(), out_first.data<T>(), out_second.data<T>(),
                                               logits.data<float>(), pair.first, pair.second, dlogits.data<float>());
      });
    }
    return {g, dlogits};
  }
};
}  // namespace

Tensor binary_gate(const Tensor& active, const Tensor& inactive, const Tensor& logits, const GatePair& pair) {
  expect_float(active, "binary_gate", "active");
  expect_float(inactive, "binary_gate", "inactive");
  expect_same_dtype(active, inactive, "binary_gate");
  expect_f32(logits, "binary_gate", "logits");
  expect_rank(logits, 1, "binary_gate", "logits");
  AUTOSPACE_CHECK(active.shape() == inactive.shape(), "binary_gate: candidate outputs ", shape_str(active.shape()),
                  " and ", shape_str(inactive.shape()));
  const std::int64_t m = logits.dim(0);
  AUTOSPACE_CHECK(pair.first != pair.second && pair.first >= 0 && pair.second >= 0 && pair.first < m && pair.second < m,
                  "binary_gate: pair (", pair.first, ", ", pair.second, ") invalid for ", m, " candidates");
  common_device({&active, &inactive, &logits}, "binary_gate");
  Tensor out = active.detach();
  if (needs_grad({&active, &logits})) {
    auto node = std::make_shared<BinaryGateNode>();
    node->inactive = inactive.detach();
    node->pair = pair;
    record(node, out, {active, logits});
  }
  return out;
}

}  // namespace autospace::ops
