#include "engine/ops/cross_entropy.h"

#include "engine/autograd/node.h"
#include "engine/ops/op_support.h"
#include "kernels/cpu/cross_entropy.h"
#include "kernels/cuda/cross_entropy.h"

namespace autospace::ops {

namespace {

struct CrossEntropyNode : Node {
  Tensor labels;       // i64 [N]
  Tensor log_sum_exp;  // f32 [N], per row of the logits
  float smoothing = 0;

  const char* name() const override { return "softmax_cross_entropy"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    const Tensor& logits = inputs[0];
    Tensor dlogits = Tensor::empty(logits.shape(), DType::f32, g.device());
    const std::int64_t rows = logits.dim(0);
    if (g.device().is_cpu()) {
      kernels::cpu::softmax_cross_entropy_backward(rows, logits.dim(1), logits.data<float>(),
                                                   labels.data<std::int64_t>(), log_sum_exp.data<float>(), smoothing,
                                                   g.item() / static_cast<float>(rows), dlogits.data<float>());
    } else {
      // The loss gradient is read on the device: no synchronisation in the backward pass.
      AUTOSPACE_CUDA_OP(g.device(), name(),
                        kernels::cuda::softmax_cross_entropy_backward(
                            rows, logits.dim(1), logits.data<float>(), labels.data<std::int64_t>(),
                            log_sum_exp.data<float>(), smoothing, g.data<float>(), dlogits.data<float>()));
    }
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

  // Labels are validated on the host (for a GPU batch, a copy of N integers).
  const Tensor host_labels = labels.to(Device::cpu()).to(DType::i64);
  const std::int64_t* y = host_labels.data<std::int64_t>();
  for (std::int64_t r = 0; r < rows; ++r)
    AUTOSPACE_CHECK(y[r] >= 0 && y[r] < classes, "softmax_cross_entropy: label ", y[r], " of row ", r,
                    " outside [0, ", classes, ")");

  Tensor labels64, log_sum_exp, out;
  if (device.is_cpu()) {
    labels64 = host_labels;
    log_sum_exp = Tensor::empty({rows});
    const double loss = kernels::cpu::softmax_cross_entropy(rows, classes, logits.data<float>(), y, label_smoothing,
                                                            log_sum_exp.data<float>());
    out = Tensor::full({1}, static_cast<float>(loss));
  } else {
    labels64 = labels.dtype() == DType::i64 ? labels : host_labels.to(device);
    log_sum_exp = Tensor::empty({rows}, DType::f32, device);
    out = Tensor::empty({1}, DType::f32, device);
    AUTOSPACE_CUDA_OP(device, "softmax_cross_entropy",
                      kernels::cuda::softmax_cross_entropy(rows, classes, logits.data<float>(),
                                                           labels64.data<std::int64_t>(), label_smoothing,
                                                           log_sum_exp.data<float>(), out.data<float>()));
  }
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
