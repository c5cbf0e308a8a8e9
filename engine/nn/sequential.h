#pragma once
#include <functional>
#include <memory>

#include "engine/nn/module.h"

namespace autospace::nn {

// Runs its children in order; children are named "0", "1", ... unless named explicitly.
class Sequential : public Module {
 public:
  Sequential() = default;
  template <class M> std::shared_ptr<M> append(std::shared_ptr<M> m) {
    return add_module(std::to_string(size_++), std::move(m));
  }
  template <class M> std::shared_ptr<M> append(const std::string& name, std::shared_ptr<M> m) {
    ++size_;
    return add_module(name, std::move(m));
  }
  Tensor forward(const Tensor& x) override;
  std::size_t size() const { return size_; }

 private:
  std::size_t size_ = 0;
};

// A parameter-free step (activation, pooling, reshape) as a module.
class Lambda : public Module {
 public:
  explicit Lambda(std::function<Tensor(const Tensor&)> f) : f_(std::move(f)) {}
  Tensor forward(const Tensor& x) override { return f_(x); }

 private:
  std::function<Tensor(const Tensor&)> f_;
};

}  // namespace autospace::nn
