#pragma once
// One table of kernels per op, keyed by device kind and dtype, as ggml's backends and
// PyTorch's dispatcher key theirs: an op looks its kernel up instead of branching on the
// device, so a new precision or backend is one entry in the op's table, and a combination
// nobody wrote is an error naming the op, the device and the dtype.
//
//   const KernelTable<decltype(kernels::cpu::linear_forward)> kLinear{"linear", {AUTOSPACE_F32_KERNELS(linear_forward)}};
//   kLinear(out.device(), DType::f32)(...);
//
// In a build without CUDA the tables hold no CUDA entries (AUTOSPACE_IF_CUDA), so asking
// for one is the same clear error as asking for a dtype no kernel handles.
#include <initializer_list>
#include <vector>

#include "engine/core/device.h"
#include "engine/core/dtype.h"

namespace autospace::ops {

// Makes a CUDA device current (the kernels launch on the current device); nothing for the CPU.
void make_current(Device device);
[[noreturn]] void missing_kernel(const char* op, Device device, DType dtype);
[[noreturn]] void float_type_error(DType dtype, const char* op, const char* arg);

// The entry for `device` and `dtype` among `entries` (each with .device, .dtype, .kernel),
// with the device made current; an error naming `op` when there is none.
template <class Entry>
auto find_kernel(const std::vector<Entry>& entries, const char* op, Device device, DType dtype) {
  for (const Entry& e : entries) {
    if (e.device != device.kind || e.dtype != dtype) continue;
    make_current(device);
    return e.kernel;
  }
  missing_kernel(op, device, dtype);
}

template <class Signature>
class KernelTable;

template <class R, class... Args>
class KernelTable<R(Args...)> {
 public:
  using Kernel = R (*)(Args...);
  struct Entry {
    DeviceKind device;
    DType dtype;
    Kernel kernel;
  };

  KernelTable(const char* op, std::initializer_list<Entry> entries) : op_(op), entries_(entries) {}

  // The kernel for data of `dtype` on `device`, with the device made current.
  Kernel operator()(Device device, DType dtype) const { return find_kernel(entries_, op_, device, dtype); }

 private:
  const char* op_;
  std::vector<Entry> entries_;
};

// The table of an op whose kernels are templates over the element type T of its
// activations (float or kernels::bf16), Signature<T> being the kernel's type for T: one
// table, keyed by device and dtype like KernelTable, each entry typed by its dtype.
//
//   template <class T> using AddKernel = decltype(kernels::cpu::add<T>);
//   const FloatKernelTable<AddKernel> kAdd{"add", {AUTOSPACE_FLOAT_KERNELS(AddKernel, add)}};
//   kAdd.get<T>(out.device())(n, a, b, out);
template <template <class> class Signature>
class FloatKernelTable {
 public:
  struct Entry {
    DeviceKind device;
    DType dtype;
    void (*kernel)();  // a Signature<T>* for the T of dtype
  };
  template <class T> static Entry entry(DeviceKind device, Signature<T>* kernel) {
    return {device, dtype_of<T>(), reinterpret_cast<void (*)()>(kernel)};
  }

  FloatKernelTable(const char* op, std::initializer_list<Entry> entries) : op_(op), entries_(entries) {}

  // The kernel for elements of type T on `device`, with the device made current.
  template <class T> Signature<T>* get(Device device) const {
    return reinterpret_cast<Signature<T>*>(find_kernel(entries_, op_, device, dtype_of<T>()));
  }

 private:
  const char* op_;
  std::vector<Entry> entries_;
};

// Calls f(T{}) with T = float for f32 and kernels::bf16 for bf16; any other dtype is an
// error naming the op and the argument.
template <class F> decltype(auto) with_float_type(DType dtype, const char* op, const char* arg, F&& f) {
  if (dtype == DType::bf16) return f(kernels::bf16{});
  if (dtype != DType::f32) float_type_error(dtype, op, arg);
  return f(float{});
}

}  // namespace autospace::ops

#ifdef AUTOSPACE_WITH_CUDA
#define AUTOSPACE_IF_CUDA(...) __VA_ARGS__
#else
#define AUTOSPACE_IF_CUDA(...)
#endif

// The f32 kernels of the CPU and (when built) CUDA backends, both named `name` in
// kernels::cpu and kernels::cuda.
#define AUTOSPACE_F32_KERNELS(name)                                                                            \
  {::autospace::DeviceKind::cpu, ::autospace::DType::f32, &::autospace::kernels::cpu::name} AUTOSPACE_IF_CUDA( \
      , {::autospace::DeviceKind::cuda, ::autospace::DType::f32, &::autospace::kernels::cuda::name})

// The f32 and bf16 kernels of the CPU and (when built) CUDA backends, the templates named
// `name` in kernels::cpu and kernels::cuda, for a FloatKernelTable<Signature>.
#define AUTOSPACE_FLOAT_KERNELS(Signature, name)                                                             \
  AUTOSPACE_CPU_FLOAT_KERNELS(Signature, name)                                                               \
  AUTOSPACE_IF_CUDA(, ::autospace::ops::FloatKernelTable<Signature>::entry<float>(                           \
                          ::autospace::DeviceKind::cuda, &::autospace::kernels::cuda::name<float>),          \
                    ::autospace::ops::FloatKernelTable<Signature>::entry<::autospace::kernels::bf16>(        \
                        ::autospace::DeviceKind::cuda, &::autospace::kernels::cuda::name<::autospace::kernels::bf16>))

// The CPU entries of AUTOSPACE_FLOAT_KERNELS.
#define AUTOSPACE_CPU_FLOAT_KERNELS(Signature, name)                                                             \
  ::autospace::ops::FloatKernelTable<Signature>::entry<float>(::autospace::DeviceKind::cpu,                      \
                                                              &::autospace::kernels::cpu::name<float>),          \
      ::autospace::ops::FloatKernelTable<Signature>::entry<::autospace::kernels::bf16>(                          \
          ::autospace::DeviceKind::cpu, &::autospace::kernels::cpu::name<::autospace::kernels::bf16>)
