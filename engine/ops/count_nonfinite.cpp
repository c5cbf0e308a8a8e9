#include "engine/ops/count_nonfinite.h"

#include "engine/ops/kernel_table.h"
#include "engine/ops/op_support.h"
#include "kernels/cpu/count_nonfinite.h"
#include "kernels/cuda/count_nonfinite.h"

namespace autospace::ops {

namespace {
const KernelTable<decltype(kernels::cpu::count_nonfinite)> kCountNonfinite{"count_nonfinite",
                                                                           {AUTOSPACE_F32_KERNELS(count_nonfinite)}};
}  // namespace

Tensor count_nonfinite(const std::vector<Tensor>& tensors) {
  Device device = Device::cpu();
  for (const Tensor& t : tensors)
    if (t.defined()) {
      device = t.device();
      break;
    }
  Tensor count = Tensor::zeros({1}, DType::i64, device);
  for (const Tensor& t : tensors) {
    if (!t.defined()) continue;
    expect_f32(t, "count_nonfinite", "tensor");
    AUTOSPACE_CHECK(t.device() == device, "count_nonfinite: tensors on ", device_name(device), " and ",
                    device_name(t.device()));
    kCountNonfinite(device, DType::f32)(t.numel(), t.data<float>(), count.data<std::int64_t>());
  }
  return count;
}

}  // namespace autospace::ops
