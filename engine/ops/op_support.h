#pragma once
// Argument checks shared by the ops: every op validates its inputs at the boundary and
// names itself in the message.
#include "engine/tensor.h"
#include "kernels/common/check.h"

namespace autospace::ops {

// Throws unless t is a defined f32 tensor.
void expect_f32(const Tensor& t, const char* op, const char* arg);
// Throws unless t is a defined f32 or bf16 tensor (activations may be either).
void expect_float(const Tensor& t, const char* op, const char* arg);
// Throws unless b has a's dtype.
void expect_same_dtype(const Tensor& a, const Tensor& b, const char* op);
// Throws unless every tensor lives on the device of the first one; returns that device.
Device common_device(std::initializer_list<const Tensor*> tensors, const char* op);
// Throws unless t has exactly `rank` dimensions.
void expect_rank(const Tensor& t, int rank, const char* op, const char* arg);

}  // namespace autospace::ops
