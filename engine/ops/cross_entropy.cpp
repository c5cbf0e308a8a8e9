#include "engine/ops/cross_entropy.h"

#include "engine/autograd/node.h"
#include "engine/ops/kernel_table.h"
#include "engine/ops/op_support.h"
#include "kernels/cpu/cross_entropy.h"
#include "kernels/cuda/cross_entropy.h"

namespace autospace::ops {

namespace {

// The CPU's cross-entropy returns the loss and takes the loss gradient as a host scalar;
// these give it the device kernels' signature (loss and gradient behind pointers), so that
// one table serves both. A CPU tensor's data is host memory.
void cpu_cross_entropy(std::int64_t rows, std::int64_t classes, const float* logits, const std::int64_t* labels,
                       float smoothing, float* log_sum_exp, float* loss) {
  loss[0] =
      static_cast<float>(kernels::cpu::softmax_cross_entropy(rows, classes, logits, labels, smoothing, log_sum_exp));
}

void cpu_cross_entropy_backward(std::int64_t rows, std::int64_t classes, const float* logits,
                                const std::int64_t* labels, const float* log_sum_exp, float smoothing,
                                const float* grad_loss, float* dlogits) {
  kernels::cpu::softmax_cross_entropy_backward(rows, classes, logits, labels, log_sum_exp, smoothing,
                                               grad_loss[0] / static_cast<float>(rows), dlogits);
}

const KernelTable<decltype(cpu_cross_entropy)> kCrossEntropy{
    "softmax_cross_entropy",
    {{DeviceKind::cpu, DType::f32,
      &cpu_cross_entropy} AUTOSPACE_IF_CUDA(, {DeviceKind::cuda, DType::f32, &kernels::cuda::softmax_cross_entropy})}};
const KernelTable<decltype(cpu_cross_entropy_backward)> kCrossEntropyBackward{
    "softmax_cross_entropy_backward",
    {{DeviceKind::cpu, DType::f32, &cpu_cross_entropy_backward} AUTOSPACE_IF_CUDA(
        , {DeviceKind::cuda, DType::f32, &kernels::cuda::softmax_cross_entropy_backward})}};

struct CrossEntropyNode : Node {
  Tensor labels;       // i64 [N]
  Tensor log_sum_exp;  // f32 [N], per row of the logits
  float smoothing = 0;

  const char* name() const override { return "softmax_cross_entropy"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    const Tensor& logits = inputs[0];
    Tensor dlogits = Tensor::empty(logits.shape(), DType::f32, g.device());
    const std::int64_t rows = logits.dim(0);
    // The loss gradient is read where it lies: no synchronisation in a GPU's backward pass.
    kCrossEntropyBackward(g.device(), DType::f32)(rows, logits.dim(1), logits.data<float>(),
                                                  labels.data<std::int64_t>(), log_sum_exp.data<float>(), smoothing,
                                                  g.data<float>(), dlogits.data<float>());
    return {dlogits, Tensor()};
  }
};

}  // namespace

Tensor softmax_cross_entropy(const Tensor& logits, const Tensor& labels, float label_smoothing) {
  expect_f32(logits, "softmax_cross_entropy", "logits");
  expect_rank(logits, 2, "softmax_cross_entropy", "logits");
  AUTOSPACE_CHECK(labels.defined(), "softmax_cross_entropy: labels is undefined");
  AUTOSPACE_CHECK(labels.dtype() == DType::i64 || labels.dtype() == DType::i32,
                  "softmax_cross_entropy: labels must be i64 or i32, got ", dtype_name(labels.dtype()));
  const std::int64_t rows = logits.dim(0), classes = logits.dim(1);
  AUTOSPACE_CHECK(rows > 0 && classes > 0, "softmax_cross_entropy: logits of shape ", shape_str(logits.shape()),
                  " are empty");
  AUTOSPACE_CHECK(labels.shape() == Shape{rows}, "softmax_cross_entropy: labels of shape ",
                  shape_str(labels.shape()), " for logits ", shape_str(logits.shape()), ", expected [", rows, "]");
  AUTOSPACE_CHECK(label_smoothing >= 0.f && label_smoothing <= 1.f, "softmax_cross_entropy: label smoothing ",
                  label_smoothing, " outside [0, 1]");
  const Device device = common_device({&logits, &labels}, "softmax_cross_entropy");

  // CPU labels are validated here; GPU i64 labels are left to the kernel (see the header),
  // GPU i32 labels go through the host to become i64.
  Tensor labels64 = labels;
  if (labels.device().is_cpu() || labels.dtype() != DType::i64) {
    const Tensor host_labels = labels.to(Device::cpu()).to(DType::i64);
    const std::int64_t* y = host_labels.data<std::int64_t>();
    for (std::int64_t r = 0; r < rows; ++r)
      AUTOSPACE_CHECK(y[r] >= 0 && y[r] < classes, "softmax_cross_entropy: label ", y[r], " of row ", r,
                      " outside [0, ", classes, ")");
    labels64 = host_labels.to(device);
  }
  Tensor log_sum_exp = Tensor::empty({rows}, DType::f32, device);
  Tensor out = Tensor::empty({1}, DType::f32, device);
  kCrossEntropy(device, DType::f32)(rows, classes, logits.data<float>(), labels64.data<std::int64_t>(), label_smoothing,
                                    log_sum_exp.data<float>(), out.data<float>());
  if (needs_grad({&logits})) {
    auto node = std::make_shared<CrossEntropyNode>();
    node->labels = labels64;
    node->log_sum_exp = log_sum_exp;
    node->smoothing = label_smoothing;
    record(node, out, {logits, labels});
  }
  return out;
}

}  // namespace autospace::ops
