#include "engine/ops/classification.h"

#include "engine/ops/kernel_table.h"
#include "engine/ops/op_support.h"
#include "kernels/cpu/classification.h"
#include "kernels/cuda/classification.h"

namespace autospace::ops {

namespace {

const KernelTable<decltype(kernels::cpu::accumulate_classification)> kAccumulateClassification{
    "accumulate_classification", {AUTOSPACE_F32_KERNELS(accumulate_classification)}};

}  // namespace

void accumulate_classification(const Tensor& logits, const Tensor& labels, int k, const Tensor& mean_loss,
                               const Tensor& loss_sum, const Tensor& counts) {
  constexpr const char* op = "accumulate_classification";
  expect_f32(logits, op, "logits");
  expect_rank(logits, 2, op, "logits");
  AUTOSPACE_CHECK(labels.defined() && (labels.dtype() == DType::i64 || labels.dtype() == DType::i32),
                  "accumulate_classification: labels must be i64 or i32");
  AUTOSPACE_CHECK(labels.shape() == Shape{logits.dim(0)}, "accumulate_classification: labels of shape ",
                  shape_str(labels.shape()), " for logits ", shape_str(logits.shape()));
  AUTOSPACE_CHECK(k >= 1, "accumulate_classification: k = ", k, ", expected at least 1");
  expect_f32(loss_sum, op, "loss_sum");
  AUTOSPACE_CHECK(loss_sum.shape() == Shape{2}, "accumulate_classification: loss_sum of shape ",
                  shape_str(loss_sum.shape()), ", expected [2]");
  AUTOSPACE_CHECK(counts.defined() && counts.dtype() == DType::i64 && counts.shape() == Shape{3},
                  "accumulate_classification: counts must be i64 [3]");
  if (mean_loss.defined()) {
    expect_f32(mean_loss, op, "mean_loss");
    AUTOSPACE_CHECK(mean_loss.numel() == 1, "accumulate_classification: mean_loss of shape ",
                    shape_str(mean_loss.shape()), ", expected one element");
  }
  const Device device = mean_loss.defined() ? common_device({&logits, &loss_sum, &counts, &mean_loss}, op)
                                            : common_device({&logits, &loss_sum, &counts}, op);
  const Tensor labels64 = labels.dtype() == DType::i64 ? labels.to(device) : labels.to(Device::cpu()).to(DType::i64).to(device);
  kAccumulateClassification(device, DType::f32)(logits.dim(0), logits.dim(1), logits.data<float>(),
                                                labels64.data<std::int64_t>(), k,
                                                mean_loss.defined() ? mean_loss.data<float>() : nullptr,
                                                loss_sum.data<float>(), counts.data<std::int64_t>());
}

}  // namespace autospace::ops
