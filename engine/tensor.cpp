#include "engine/tensor.h"

#include <cstring>
#include <sstream>

#include "engine/autograd/node.h"
#include "kernels/common/check.h"
#include "kernels/cpu/cast.h"
#ifdef AUTOSPACE_WITH_CUDA
#include "kernels/cuda/cast.h"
#include "kernels/cuda/runtime.h"
#endif

namespace autospace {

std::string shape_str(const Shape& s) {
  std::ostringstream os;
  os << "[";
  for (std::size_t i = 0; i < s.size(); ++i) os << (i ? ", " : "") << s[i];
  os << "]";
  return os.str();
}

std::int64_t shape_numel(const Shape& s) {
  std::int64_t n = 1;
  for (auto d : s) {
    AUTOSPACE_CHECK(d >= 0, "negative dimension in shape ", shape_str(s));
    n *= d;
  }
  return n;
}

Tensor Tensor::empty(const Shape& shape, DType dtype, Device device) {
  Tensor t;
  t.impl_ = std::make_shared<TensorImpl>();
  t.impl_->storage = allocate_storage(static_cast<std::size_t>(shape_numel(shape)) * dtype_size(dtype), device);
  t.impl_->shape = shape;
  t.impl_->dtype = dtype;
  return t;
}

Tensor Tensor::empty_pinned(const Shape& shape, DType dtype, Device destination) {
  Tensor t;
  t.impl_ = std::make_shared<TensorImpl>();
  t.impl_->storage =
      allocate_pinned_storage(static_cast<std::size_t>(shape_numel(shape)) * dtype_size(dtype), destination);
  t.impl_->shape = shape;
  t.impl_->dtype = dtype;
  return t;
}

bool Tensor::is_pinned() const { return defined() && impl_->storage->pinned(); }

Tensor Tensor::zeros(const Shape& shape, DType dtype, Device device) {
  Tensor t = empty(shape, dtype, device);
  if (device.is_cpu()) {
    std::memset(t.raw_data(), 0, t.nbytes());
  } else {
    // Only a CUDA build can allocate there: empty() has thrown otherwise.
#ifdef AUTOSPACE_WITH_CUDA
    kernels::cuda::set_device(device.index);
    kernels::cuda::fill_bytes(t.raw_data(), 0, t.nbytes());
#endif
  }
  return t;
}

Tensor Tensor::full(const Shape& shape, float value, Device device) {
  Tensor t = empty(shape, DType::f32, device);
  t.fill(value);
  return t;
}

Tensor Tensor::from_vector(const std::vector<float>& values, const Shape& shape) {
  AUTOSPACE_CHECK(static_cast<std::int64_t>(values.size()) == shape_numel(shape), values.size(),
                  " values for shape ", shape_str(shape));
  Tensor t = empty(shape, DType::f32);
  std::memcpy(t.raw_data(), values.data(), t.nbytes());
  return t;
}

Tensor Tensor::from_int64(const std::vector<std::int64_t>& values, const Shape& shape) {
  AUTOSPACE_CHECK(static_cast<std::int64_t>(values.size()) == shape_numel(shape), values.size(),
                  " values for shape ", shape_str(shape));
  Tensor t = empty(shape, DType::i64);
  std::memcpy(t.raw_data(), values.data(), t.nbytes());
  return t;
}

const Shape& Tensor::shape() const {
  AUTOSPACE_CHECK(defined(), "use of an undefined tensor");
  return impl_->shape;
}

std::int64_t Tensor::dim(int i) const {
  const int n = ndim();
  const int k = i < 0 ? i + n : i;
  AUTOSPACE_CHECK(k >= 0 && k < n, "dimension ", i, " out of range for shape ", shape_str(shape()));
  return impl_->shape[k];
}

std::int64_t Tensor::numel() const { return shape_numel(shape()); }
DType Tensor::dtype() const {
  AUTOSPACE_CHECK(defined(), "use of an undefined tensor");
  return impl_->dtype;
}
Device Tensor::device() const {
  AUTOSPACE_CHECK(defined(), "use of an undefined tensor");
  return impl_->storage->device();
}

void* Tensor::raw_data() const {
  AUTOSPACE_CHECK(defined(), "use of an undefined tensor");
  return static_cast<char*>(impl_->storage->data()) + impl_->offset;
}

void Tensor::check_dtype(DType expected) const {
  AUTOSPACE_CHECK(dtype() == expected, "tensor \"", name(), "\" has dtype ", dtype_name(dtype()), ", expected ",
                  dtype_name(expected));
}

float Tensor::item() const {
  AUTOSPACE_CHECK(numel() == 1, "item() of a tensor with shape ", shape_str(shape()));
  return to_vector()[0];
}

std::vector<float> Tensor::to_vector() const {
  Tensor host = to(Device::cpu());
  if (host.dtype() != DType::f32) host = host.to(DType::f32);
  const float* p = host.data<float>();
  return std::vector<float>(p, p + host.numel());
}

void Tensor::copy_from(const Tensor& src) const {
  AUTOSPACE_CHECK(src.shape() == shape() && src.dtype() == dtype(), "copy_from: ", shape_str(src.shape()), " ",
                  dtype_name(src.dtype()), " into ", shape_str(shape()), " ", dtype_name(dtype()));
  const std::size_t bytes = nbytes();
  if (bytes == 0) return;
  const Device from = src.device(), to = device();
  if (from.is_cpu() && to.is_cpu()) {
    std::memmove(raw_data(), src.raw_data(), bytes);
    return;
  }
#ifdef AUTOSPACE_WITH_CUDA
  if (from.is_cpu()) kernels::cuda::copy_host_to_device(raw_data(), src.raw_data(), bytes);
  else if (to.is_cpu()) kernels::cuda::copy_device_to_host(raw_data(), src.raw_data(), bytes);
  else kernels::cuda::copy_device_to_device(raw_data(), src.raw_data(), bytes);
#else
  AUTOSPACE_THROW("copy between ", from.str(), " and ", to.str(), ": this build has no CUDA backend");
#endif
}

Tensor Tensor::to(Device device) const {
  if (device == this->device()) return *this;
  Tensor out = empty(shape(), dtype(), device);
  out.copy_from(*this);
  return out;
}

void Tensor::move_to(Device device) const {
  if (device == this->device()) return;
  const Tensor moved = to(device);
  impl_->storage = moved.impl_->storage;
  impl_->offset = moved.impl_->offset;
  impl_->grad = Tensor();
}

Tensor Tensor::to(DType target) const {
  if (target == dtype()) return *this;
  const bool down = dtype() == DType::f32 && target == DType::bf16, up = dtype() == DType::bf16 && target == DType::f32;
  if (down || up) {
    // f32 <-> bf16, the conversions of mixed precision and gradient compression, on either device.
    Tensor out = empty(shape(), target, device());
    if (device().is_cpu()) {
      if (down) kernels::cpu::convert(numel(), data<float>(), out.data<kernels::bf16>());
      else kernels::cpu::convert(numel(), data<kernels::bf16>(), out.data<float>());
    } else {
#ifdef AUTOSPACE_WITH_CUDA
      kernels::cuda::set_device(device().index);
      if (down) kernels::cuda::convert(numel(), data<float>(), out.data<kernels::bf16>());
      else kernels::cuda::convert(numel(), data<kernels::bf16>(), out.data<float>());
#endif
    }
    return out;
  }
  AUTOSPACE_CHECK(device().is_cpu(), "dtype conversion ", dtype_name(dtype()), " -> ", dtype_name(target), " on ",
                  device().str(), ": only f32 <-> bf16 runs on a GPU; move the tensor to the CPU first");
  Tensor out = empty(shape(), target);
  const std::int64_t n = numel();
  auto load = [&](std::int64_t i) -> double {
    switch (dtype()) {
      case DType::f32: return static_cast<const float*>(raw_data())[i];
      case DType::bf16: return bf16_to_float(static_cast<const std::uint16_t*>(raw_data())[i]);
      case DType::u8: return static_cast<const std::uint8_t*>(raw_data())[i];
      case DType::i32: return static_cast<const std::int32_t*>(raw_data())[i];
      case DType::i64: return static_cast<double>(static_cast<const std::int64_t*>(raw_data())[i]);
    }
    return 0;
  };
  for (std::int64_t i = 0; i < n; ++i) {
    const double v = load(i);
    switch (target) {
      case DType::f32: static_cast<float*>(out.raw_data())[i] = static_cast<float>(v); break;
      case DType::bf16: static_cast<std::uint16_t*>(out.raw_data())[i] = float_to_bf16(static_cast<float>(v)); break;
      case DType::u8: static_cast<std::uint8_t*>(out.raw_data())[i] = static_cast<std::uint8_t>(v); break;
      case DType::i32: static_cast<std::int32_t*>(out.raw_data())[i] = static_cast<std::int32_t>(v); break;
      case DType::i64: static_cast<std::int64_t*>(out.raw_data())[i] = static_cast<std::int64_t>(v); break;
    }
  }
  return out;
}

Tensor Tensor::clone() const {
  Tensor out = empty(shape(), dtype(), device());
  out.copy_from(*this);
  return out;
}

Tensor Tensor::detach() const {
  Tensor out;
  out.impl_ = std::make_shared<TensorImpl>();
  out.impl_->storage = impl_->storage;
  out.impl_->offset = impl_->offset;
  out.impl_->shape = impl_->shape;
  out.impl_->dtype = impl_->dtype;
  out.impl_->name = impl_->name;
  return out;
}

Tensor Tensor::view(const Shape& new_shape) const {
  AUTOSPACE_CHECK(shape_numel(new_shape) == numel(), "view ", shape_str(shape()), " as ", shape_str(new_shape));
  Tensor out = detach();
  out.impl_->shape = new_shape;
  return out;
}

Tensor Tensor::narrow0(std::int64_t begin, std::int64_t end) const {
  AUTOSPACE_CHECK(ndim() >= 1 && 0 <= begin && begin <= end && end <= dim(0), "narrow0 [", begin, ", ", end,
                  ") of shape ", shape_str(shape()));
  Tensor out = detach();
  const std::int64_t row = dim(0) ? numel() / dim(0) : 0;
  out.impl_->offset += static_cast<std::size_t>(begin * row) * dtype_size(dtype());
  out.impl_->shape[0] = end - begin;
  return out;
}

void Tensor::fill(float value) const {
  float* p = data<float>();
  const std::int64_t n = numel();
  if (device().is_cpu()) {
    for (std::int64_t i = 0; i < n; ++i) p[i] = value;
  } else {
#ifdef AUTOSPACE_WITH_CUDA
    kernels::cuda::set_device(device().index);
    kernels::cuda::fill(p, n, value);
#endif
  }
}

bool Tensor::requires_grad() const { return defined() && impl_->requires_grad; }
Tensor& Tensor::set_requires_grad(bool on) {
  AUTOSPACE_CHECK(defined(), "set_requires_grad on an undefined tensor");
  impl_->requires_grad = on;
  return *this;
}
const Tensor& Tensor::grad() const {
  AUTOSPACE_CHECK(defined(), "grad() of an undefined tensor");
  return impl_->grad;
}
void Tensor::set_grad(const Tensor& g) const { impl_->grad = g; }
void Tensor::clear_grad() const { impl_->grad = Tensor(); }
const std::shared_ptr<Node>& Tensor::grad_fn() const {
  static const std::shared_ptr<Node> none;
  return defined() ? impl_->grad_fn : none;
}
void Tensor::set_grad_fn(std::shared_ptr<Node> node) const { impl_->grad_fn = std::move(node); }

const std::string& Tensor::name() const {
  static const std::string none = "<undefined>";
  return defined() ? impl_->name : none;
}
Tensor& Tensor::set_name(std::string name) {
  impl_->name = std::move(name);
  return *this;
}

}  // namespace autospace
