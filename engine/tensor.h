#pragma once
// Tensor: a shape, a dtype and a device over ref-counted storage from the caching
// allocator. Tensors are always contiguous (row-major); activations are NHWC and conv
// weights OHWI by convention. A tensor may view part of another's storage (reshape,
// leading-dimension slices); copies between devices are explicit (to()).
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/core/allocator.h"
#include "engine/core/device.h"
#include "engine/core/dtype.h"

namespace autospace {

using Shape = std::vector<std::int64_t>;
std::string shape_str(const Shape& s);
std::int64_t shape_numel(const Shape& s);

class Node;
struct TensorImpl;

class Tensor {
 public:
  Tensor() = default;

  static Tensor empty(const Shape& shape, DType dtype = DType::f32, Device device = Device::cpu());
  // A host tensor in pinned memory (allocate_pinned_storage) for copies to `destination`:
  // they run at the bus's speed. The loader's batches for GPU runs.
  static Tensor empty_pinned(const Shape& shape, DType dtype, Device destination);
  bool is_pinned() const;  // its storage comes from the pinned pool
  static Tensor zeros(const Shape& shape, DType dtype = DType::f32, Device device = Device::cpu());
  static Tensor full(const Shape& shape, float value, Device device = Device::cpu());
  static Tensor ones(const Shape& shape, Device device = Device::cpu()) { return full(shape, 1.f, device); }
  static Tensor from_vector(const std::vector<float>& values, const Shape& shape);
  static Tensor from_int64(const std::vector<std::int64_t>& values, const Shape& shape);

  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const;
  std::int64_t dim(int i) const;  // negative i counts from the end
  int ndim() const { return static_cast<int>(shape().size()); }
  std::int64_t numel() const;
  DType dtype() const;
  Device device() const;
  std::size_t nbytes() const { return static_cast<std::size_t>(numel()) * dtype_size(dtype()); }

  void* raw_data() const;
  template <class T> T* data() const {
    check_dtype(dtype_of<T>());
    return static_cast<T*>(raw_data());
  }

  float item() const;  // the single element of an f32 tensor (any device)
  std::vector<float> to_vector() const;  // f32 values copied to the host

  Tensor to(Device device) const;  // explicit copy (same tensor when already there); no autograd
  Tensor to(DType dtype) const;    // f32 <-> bf16 on any device, other pairs on the CPU; no autograd
  Tensor clone() const;            // deep copy, no autograd history
  Tensor detach() const;           // shares storage, no autograd history
  // Reinterprets the same storage with another shape of equal numel; no autograd
  // (ops::reshape is the differentiable version).
  Tensor view(const Shape& shape) const;
  // Rows [begin, end) of the leading dimension, sharing storage; no autograd.
  Tensor narrow0(std::int64_t begin, std::int64_t end) const;
  void copy_from(const Tensor& src) const;  // same shape/dtype, any devices
  // Moves this tensor's data to `device` in place, so that every handle to it (a module's
  // parameter held by its layers and its optimiser) follows; the gradient is dropped.
  // Tensors that viewed the old storage keep it.
  void move_to(Device device) const;
  void fill(float value) const;             // f32 only

  // Autograd.
  bool requires_grad() const;
  Tensor& set_requires_grad(bool on);
  const Tensor& grad() const;  // undefined when no backward pass reached this tensor
  void set_grad(const Tensor& g) const;
  void clear_grad() const;  // back to "no gradient" (not zeros)
  const std::shared_ptr<Node>& grad_fn() const;
  void set_grad_fn(std::shared_ptr<Node> node) const;
  bool is_leaf() const { return !grad_fn(); }
  // Runs the backward pass from this tensor. Without an argument the tensor must hold
  // one element and the seed gradient is 1.
  void backward(const Tensor& grad_output = Tensor()) const;

  const std::string& name() const;
  Tensor& set_name(std::string name);

  bool is_same(const Tensor& other) const { return impl_ == other.impl_; }
  const TensorImpl* impl() const { return impl_.get(); }

 private:
  void check_dtype(DType expected) const;
  std::shared_ptr<TensorImpl> impl_;
};

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  std::size_t offset = 0;  // bytes into storage
  Shape shape;
  DType dtype = DType::f32;
  bool requires_grad = false;
  Tensor grad;
  std::shared_ptr<Node> grad_fn;
  std::string name;
};

using NamedTensor = std::pair<std::string, Tensor>;

}  // namespace autospace
