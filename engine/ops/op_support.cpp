#include "engine/ops/op_support.h"

#include "engine/ops/kernel_table.h"

namespace autospace::ops {

void expect_f32(const Tensor& t, const char* op, const char* arg) {
  AUTOSPACE_CHECK(t.defined(), op, ": ", arg, " is undefined");
  AUTOSPACE_CHECK(t.dtype() == DType::f32, op, ": ", arg, " must be f32, got ", dtype_name(t.dtype()));
}

void expect_float(const Tensor& t, const char* op, const char* arg) {
  AUTOSPACE_CHECK(t.defined(), op, ": ", arg, " is undefined");
  if (t.dtype() != DType::f32 && t.dtype() != DType::bf16) float_type_error(t.dtype(), op, arg);
}

void expect_same_dtype(const Tensor& a, const Tensor& b, const char* op) {
  AUTOSPACE_CHECK(a.dtype() == b.dtype(), op, ": inputs of dtypes ", dtype_name(a.dtype()), " and ",
                  dtype_name(b.dtype()), " (convert one with ops::cast)");
}

Device common_device(std::initializer_list<const Tensor*> tensors, const char* op) {
  const Device d = (*tensors.begin())->device();
  for (const Tensor* t : tensors)
    if (t && t->defined())
      AUTOSPACE_CHECK(t->device() == d, op, ": inputs on ", d.str(), " and ", t->device().str(),
                      " (move them explicitly with to())");
  return d;
}

void expect_rank(const Tensor& t, int rank, const char* op, const char* arg) {
  AUTOSPACE_CHECK(t.ndim() == rank, op, ": ", arg, " must have ", rank, " dimensions, got ", shape_str(t.shape()));
}

}  // namespace autospace::ops
