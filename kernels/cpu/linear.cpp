#include "kernels/cpu/linear.h"

#include <unordered_map>

#include "kernels/cpu/onednn.h"

namespace autospace::kernels::cpu {

namespace {

using dnnl::memory;
using tag = memory::format_tag;
using onednn::wrap;

// Plain row-major layouts throughout: oneDNN serves them with its GEMM-based inner
// product, so no weight reorder is needed (unlike convolutions).
struct Key {
  std::int64_t n, k, o;
  bool bias;
  auto operator<=>(const Key&) const = default;
};

struct Descs {
  memory::desc src, weights, bias, dst;
};

Descs descs(const Key& key) {
  const auto f32 = memory::data_type::f32;
  Descs d{memory::desc({key.n, key.k}, f32, tag::nc), memory::desc({key.o, key.k}, f32, tag::oi), {},
          memory::desc({key.n, key.o}, f32, tag::nc)};
  if (key.bias) d.bias = memory::desc({key.o}, f32, tag::x);
  return d;
}

dnnl::inner_product_forward::primitive_desc forward_pd(const Descs& d) {
  return {{dnnl::prop_kind::forward_training, d.src, d.weights, d.bias, d.dst}, onednn::engine()};
}

}  // namespace

void linear_forward(std::int64_t n, std::int64_t k, std::int64_t o, const float* x, const float* w, const float* bias,
                    float* y) {
  static onednn::PrimitiveCache<Key, dnnl::inner_product_forward> cache;
  const Key key{n, k, o, bias != nullptr};
  const Descs d = descs(key);
  const auto& prim = cache.get(key, [&] { return dnnl::inner_product_forward(forward_pd(d)); });
  std::unordered_map<int, memory> args{
      {DNNL_ARG_SRC, wrap(d.src, x)}, {DNNL_ARG_WEIGHTS, wrap(d.weights, w)}, {DNNL_ARG_DST, wrap(d.dst, y)}};
  if (bias) args.emplace(DNNL_ARG_BIAS, wrap(d.bias, bias));
  prim.execute(onednn::stream(), args);
  onednn::stream().wait();
}

void linear_backward_data(std::int64_t n, std::int64_t k, std::int64_t o, const float* dy, const float* w, float* dx) {
  static onednn::PrimitiveCache<Key, dnnl::inner_product_backward_data> cache;
  const Key key{n, k, o, false};
  const Descs d = descs(key);
  const auto& prim = cache.get(key, [&] {
    return dnnl::inner_product_backward_data(
        {{d.src, d.weights, d.dst}, onednn::engine(), forward_pd(d)});
  });
  prim.execute(onednn::stream(), {{DNNL_ARG_DIFF_DST, wrap(d.dst, dy)},
                                  {DNNL_ARG_WEIGHTS, wrap(d.weights, w)},
                                  {DNNL_ARG_DIFF_SRC, wrap(d.src, dx)}});
  onednn::stream().wait();
}

void linear_backward_weights(std::int64_t n, std::int64_t k, std::int64_t o, const float* x, const float* dy,
                             float* dw, float* dbias) {
  static onednn::PrimitiveCache<Key, dnnl::inner_product_backward_weights> cache;
  const Key key{n, k, o, dbias != nullptr};
  const Descs d = descs(key);
  const auto& prim = cache.get(key, [&] {
    return dnnl::inner_product_backward_weights(
        {{d.src, d.weights, d.bias, d.dst}, onednn::engine(), forward_pd(d)});
  });
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, wrap(d.src, x)},
                                       {DNNL_ARG_DIFF_DST, wrap(d.dst, dy)},
                                       {DNNL_ARG_DIFF_WEIGHTS, wrap(d.weights, dw)}};
  if (dbias) args.emplace(DNNL_ARG_DIFF_BIAS, wrap(d.bias, dbias));
  prim.execute(onednn::stream(), args);
  onednn::stream().wait();
}

}  // namespace autospace::kernels::cpu
