#pragma once
// One table of kernels per op, keyed by device kind and dtype, as ggml's backends and
// PyTorch's dispatcher key theirs: an op looks its kernel up instead of branching on the
// device, so a new precision or backend is one entry in the op's table, and a combination
// nobody wrote is an error naming the op, the device and the dtype.
//
//   const KernelTable<decltype(kernels::cpu::add)> kAdd{"add", {AUTOSPACE_F32_KERNELS(add)}};
//   kAdd(out.device(), DType::f32)(n, a, b, out);
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
  Kernel operator()(Device device, DType dtype) const {
    for (const Entry& e : entries_) {
      if (e.device != device.kind || e.dtype != dtype) continue;
      make_current(device);
      return e.kernel;
    }
    missing_kernel(op_, device, dtype);
  }

 private:
  const char* op_;
  std::vector<Entry> entries_;
};

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
