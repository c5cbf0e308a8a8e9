#pragma once
// Argument checks shared by the ops: every op validates its inputs at the boundary and
// names itself in the message.
#include "engine/tensor.h"
#include "kernels/common/check.h"

namespace autospace::ops {

// Throws unless t is a defined f32 tensor.
void expect_f32(const Tensor& t, const char* op, const char* arg);
// Throws unless every tensor lives on the device of the first one; returns that device.
Device common_device(std::initializer_list<const Tensor*> tensors, const char* op);
// Throws: the op has no kernel for this device yet.
[[noreturn]] void no_kernel(const char* op, Device device);
// Throws unless t has exactly `rank` dimensions.
void expect_rank(const Tensor& t, int rank, const char* op, const char* arg);

}  // namespace autospace::ops

// The CUDA branch of an op's dispatch: makes the tensors' GPU current and runs the
// statement (kernels::cuda calls); in a build without CUDA the statement is dropped and
// the op reports that it has no kernel for the device.
#ifdef AUTOSPACE_WITH_CUDA
#include "kernels/cuda/runtime.h"
#define AUTOSPACE_CUDA_OP(device, op, ...)                     \
  do {                                                        \
    ::autospace::kernels::cuda::set_device((device).index);   \
    __VA_ARGS__;                                              \
  } while (0)
#else
#define AUTOSPACE_CUDA_OP(device, op, ...) ::autospace::ops::no_kernel(op, device)
#endif
