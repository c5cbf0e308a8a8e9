#include "engine/ops/kernel_table.h"

#include "kernels/common/check.h"
#ifdef AUTOSPACE_WITH_CUDA
#include "kernels/cuda/runtime.h"
#endif

namespace autospace::ops {

void make_current(Device device) {
#ifdef AUTOSPACE_WITH_CUDA
  if (device.is_cuda()) kernels::cuda::set_device(device.index);
#else
  (void)device;
#endif
}

void missing_kernel(const char* op, Device device, DType dtype) {
  AUTOSPACE_THROW(op, ": no kernel for ", dtype_name(dtype), " on ", device.str(),
                  " (the op's kernel table has none for that device and dtype in this build)");
}

void float_type_error(DType dtype, const char* op, const char* arg) {
  AUTOSPACE_THROW(op, ": ", arg, " must be f32 or bf16, got ", dtype_name(dtype));
}

}  // namespace autospace::ops
