#include "engine/ops/step_gate.h"

#include "engine/ops/kernel_table.h"
#include "engine/ops/op_support.h"
#include "kernels/common/step_gate.h"
#include "kernels/cpu/step_gate.h"
#include "kernels/cuda/step_gate.h"

namespace autospace::ops {

namespace {

const KernelTable<decltype(kernels::cpu::judge_step)> kJudgeStep{"judge_step", {AUTOSPACE_F32_KERNELS(judge_step)}};
const KernelTable<decltype(kernels::cpu::restore_unless_applied)> kRestoreUnlessApplied{
    "restore_unless_applied", {AUTOSPACE_F32_KERNELS(restore_unless_applied)}};
const KernelTable<decltype(kernels::cpu::step_figures)> kStepFigures{"step_figures",
                                                                     {AUTOSPACE_F32_KERNELS(step_figures)}};
const KernelTable<decltype(kernels::cpu::tally_step)> kTallyStep{"tally_step", {AUTOSPACE_F32_KERNELS(tally_step)}};

void expect_scalar(const Tensor& t, const char* op, const char* arg) {
  expect_f32(t, op, arg);
  AUTOSPACE_CHECK(t.numel() >= 1, op, ": ", arg, " is empty");
}

}  // namespace

void judge_step(const Tensor& loss, const Tensor& norm, const Tensor& gate, const Tensor& counters) {
  constexpr const char* op = "judge_step";
  expect_scalar(loss, op, "loss");
  expect_scalar(norm, op, "norm");
  expect_scalar(gate, op, "gate");
  AUTOSPACE_CHECK(counters.defined() && counters.dtype() == DType::i64 && counters.numel() == kernels::kGuardCounters,
                  "judge_step: counters must be i64 [", int{kernels::kGuardCounters}, "]");
  const Device device = common_device({&loss, &norm, &gate, &counters}, op);
  kJudgeStep(device, DType::f32)(loss.data<float>(), norm.data<float>(), gate.data<float>(),
                                 counters.data<std::int64_t>());
}

void restore_unless_applied(const Tensor& dst, const Tensor& src, float value, const Tensor& gate) {
  constexpr const char* op = "restore_unless_applied";
  expect_f32(dst, op, "dst");
  expect_scalar(gate, op, "gate");
  if (src.defined()) {
    expect_f32(src, op, "src");
    AUTOSPACE_CHECK(src.numel() == dst.numel(), "restore_unless_applied: src of shape ", shape_str(src.shape()),
                    " for dst ", shape_str(dst.shape()));
  }
  const Device device = src.defined() ? common_device({&dst, &src, &gate}, op) : common_device({&dst, &gate}, op);
  kRestoreUnlessApplied(device, DType::f32)(dst.numel(), dst.data<float>(), src.defined() ? src.data<float>() : nullptr,
                                            value, gate.data<float>());
}

Tensor step_figures(const Tensor& logits, const Tensor& labels, const Tensor& mean_loss, std::int64_t unreadable) {
  constexpr const char* op = "step_figures";
  expect_f32(logits, op, "logits");
  expect_rank(logits, 2, op, "logits");
  expect_scalar(mean_loss, op, "mean_loss");
  AUTOSPACE_CHECK(labels.defined() && (labels.dtype() == DType::i64 || labels.dtype() == DType::i32) &&
                      labels.shape() == Shape{logits.dim(0)},
                  "step_figures: labels must be i64 or i32 [", logits.dim(0), "]");
  const Device device = common_device({&logits, &mean_loss}, op);
  // Where the logits lie, as i64 (a phase's labels already are).
  const Tensor labels64 = labels.dtype() == DType::i64 ? labels.to(device) : labels.to(Device::cpu()).to(DType::i64).to(device);
  Tensor figures = Tensor::empty({4}, DType::f32, device);
  kStepFigures(device, DType::f32)(logits.dim(0), logits.dim(1), logits.data<float>(), labels64.data<std::int64_t>(),
                                   mean_loss.data<float>(), unreadable, figures.data<float>());
  return figures;
}

void tally_step(const Tensor& figures, const Tensor& gate, const Tensor& tally) {
  constexpr const char* op = "tally_step";
  expect_f32(figures, op, "figures");
  AUTOSPACE_CHECK(figures.numel() == 4, "tally_step: figures of shape ", shape_str(figures.shape()), ", expected [4]");
  expect_scalar(gate, op, "gate");
  AUTOSPACE_CHECK(tally.defined() && tally.dtype() == DType::i64 && tally.numel() == kernels::kTallySlots,
                  "tally_step: the tally must be i64 [", int{kernels::kTallySlots}, "] (holding doubles)");
  const Device device = common_device({&figures, &gate, &tally}, op);
  kTallyStep(device, DType::f32)(figures.data<float>(), gate.data<float>(),
                                 reinterpret_cast<double*>(tally.data<std::int64_t>()));
}

}  // namespace autospace::ops
