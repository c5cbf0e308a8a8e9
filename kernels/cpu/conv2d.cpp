#include "kernels/cpu/conv2d.h"

#include <cstdio>
#include <optional>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "kernels/cpu/activation.h"
#include "kernels/cpu/cast.h"
#include "kernels/cpu/depthwise_conv2d.h"
#include "kernels/cpu/onednn.h"

namespace autospace::kernels::cpu {

namespace {

using dnnl::memory;
using tag = memory::format_tag;
using onednn::wrap;

// Weights are declared with format_tag::any and reordered to and from OHWI on every call:
// with plain OHWI weights oneDNN 2.6 finds no JIT kernel on AVX2 and runs its reference
// convolution, 100-1000x slower on the MobileNetV2 shapes (bench/bench_conv2d.cpp).
//
// bf16 activations: the source, destination and their gradients are bf16 and the weights
// are rounded to bf16 by that same reorder (oneDNN's bf16 convolutions take bf16 weights);
// accumulation, the bias and the weight and bias gradients stay f32. Where oneDNN 2.6's
// bf16 weight-gradient kernels are slow the weight gradient is the f32 pass's on the
// activations widened to f32 (widen_weight_gradient): over few output positions they took
// 2-5x the f32 ones' time on this project's AMX machine (at 2x2 depthwise it falls back to a
// generic kernel), and so do large grouped kernels; elsewhere they win and widening would
// cost more than it saves.
struct Key {
  Conv2dShape shape;
  bool bias;
  memory::data_type activations = memory::data_type::f32;
  ActivationKind activation = ActivationKind::identity;  // the forward's epilogue
  auto operator<=>(const Key&) const = default;
};

struct Descs {
  // any_weights: of the activations' type (the forward and data-gradient passes);
  // any_diff_weights: f32 (the weight gradient).
  memory::desc src, dst, user_weights, any_weights, any_diff_weights, bias;
  memory::dims strides, padding;
};

Descs descs(const Key& k) {
  const Conv2dShape& s = k.shape;
  const auto f32 = memory::data_type::f32;
  Descs d;
  d.src = memory::desc({s.n, s.in_c, s.in_h, s.in_w}, k.activations, tag::nhwc);
  d.dst = memory::desc({s.n, s.out_c, s.out_h(), s.out_w()}, k.activations, tag::nhwc);
  // OHWI [Cout, kh, kw, Cin/g] is, for groups > 1, exactly gohwi over {G, Cout/G, Cin/G, kh, kw}.
  const std::int64_t g = s.groups;
  const memory::dims wdims = g == 1 ? memory::dims{s.out_c, s.in_c, s.kernel_h, s.kernel_w}
                                    : memory::dims{g, s.out_c / g, s.in_c / g, s.kernel_h, s.kernel_w};
  d.user_weights = memory::desc(wdims, f32, g == 1 ? tag::ohwi : tag::gohwi);
  d.any_weights = memory::desc(wdims, k.activations, tag::any);
  d.any_diff_weights = memory::desc(wdims, f32, tag::any);
  if (k.bias) d.bias = memory::desc({s.out_c}, f32, tag::x);
  d.strides = {s.stride, s.stride};
  // Right padding = left padding: oneDNN rounds the output size down like PyTorch does.
  d.padding = {s.pad, s.pad};
  return d;
}

dnnl::convolution_forward::primitive_desc forward_pd(const Descs& d) {
  return {{dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct, d.src, d.any_weights, d.bias, d.dst,
           d.strides, d.padding, d.padding},
          onednn::engine()};
}

// The activation as a oneDNN post-op. oneDNN 2.6 has no hard sigmoid, and a chain of
// eltwise post-ops building one (x + 3, clip to [0, 6], x / 6) came out wrong on this
// machine's brgconv kernels: clip(x + 3, 0, 6) + 3, as if the third step had the first's
// parameters. So that kind runs as the activation kernel over y instead.
bool has_epilogue(ActivationKind kind) { return kind != ActivationKind::hsigmoid; }

dnnl::primitive_attr activation_epilogue(ActivationKind kind) {
  using A = dnnl::algorithm;
  dnnl::post_ops ops;
  switch (kind) {
    case ActivationKind::identity:
    case ActivationKind::hsigmoid: break;
    case ActivationKind::relu: ops.append_eltwise(1.f, A::eltwise_relu, 0.f, 0.f); break;
    case ActivationKind::relu6: ops.append_eltwise(1.f, A::eltwise_clip, 0.f, 6.f); break;
    case ActivationKind::swish: ops.append_eltwise(1.f, A::eltwise_swish, 1.f, 0.f); break;
    case ActivationKind::hswish: ops.append_eltwise(1.f, A::eltwise_hardswish, 0.f, 0.f); break;
    case ActivationKind::sigmoid: ops.append_eltwise(1.f, A::eltwise_logistic, 0.f, 0.f); break;
  }
  dnnl::primitive_attr attr;
  attr.set_post_ops(ops);
  return attr;
}

std::optional<dnnl::reorder> reorder_between(const memory::desc& from, const memory::desc& to) {
  if (from == to) return std::nullopt;
  return dnnl::reorder(dnnl::reorder::primitive_desc(onednn::engine(), from, onednn::engine(), to));
}

// A primitive with the weight layout it chose and the reorder that bridges OHWI and it
// (absent when the layouts coincide).
template <class Primitive> struct Entry {
  Primitive prim;
  memory::desc weights;
  std::optional<dnnl::reorder> reorder;
};

// The user's OHWI weights in the layout the primitive of `e` wants.
template <class Primitive> memory weights_for(const Entry<Primitive>& e, const Descs& d, const float* w) {
  memory user = wrap(d.user_weights, w);
  if (!e.reorder) return user;
  memory out(e.weights, onednn::engine());
  e.reorder->execute(onednn::stream(), user, out);
  return out;
}

Entry<dnnl::convolution_forward> forward_entry(const dnnl::convolution_forward::primitive_desc& pd, const Descs& d) {
  return {dnnl::convolution_forward(pd), pd.weights_desc(), reorder_between(d.user_weights, pd.weights_desc())};
}

template <class T>
void run_forward(const Entry<dnnl::convolution_forward>& e, const Descs& d, const T* x, const float* w,
                 const float* bias, T* y) {
  std::unordered_map<int, memory> args{
      {DNNL_ARG_SRC, wrap(d.src, x)}, {DNNL_ARG_WEIGHTS, weights_for(e, d, w)}, {DNNL_ARG_DST, wrap(d.dst, y)}};
  if (bias) args.emplace(DNNL_ARG_BIAS, wrap(d.bias, bias));
  e.prim.execute(onednn::stream(), args);
  onednn::stream().wait();
}

template <class T> void forward_native(const Conv2dShape& s, const T* x, const float* w, const float* bias, T* y) {
  static onednn::PrimitiveCache<Key, Entry<dnnl::convolution_forward>> cache;
  const Key key{s, bias != nullptr, onednn::data_type<T>()};
  const Descs d = descs(key);
  run_forward(cache.get(key, [&] { return forward_entry(forward_pd(d), d); }), d, x, w, bias, y);
}

template <class T>
void forward_activation_native(const Conv2dShape& s, const T* x, const float* w, const float* bias,
                               ActivationKind activation, T* y) {
  static onednn::PrimitiveCache<Key, Entry<dnnl::convolution_forward>> cache;
  const Key key{s, bias != nullptr, onednn::data_type<T>(),
                has_epilogue(activation) ? activation : ActivationKind::identity};
  const Descs d = descs(key);
  const auto& e = cache.get(key, [&] {
    return forward_entry({{dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, d.src,
                           d.any_weights, d.bias, d.dst, d.strides, d.padding, d.padding},
                          activation_epilogue(key.activation), onednn::engine()},
                         d);
  });
  run_forward(e, d, x, w, bias, y);
  if (!has_epilogue(activation)) cpu::activation(activation, s.n * s.out_h() * s.out_w() * s.out_c, y, y);
}

template <class T> void backward_data_native(const Conv2dShape& s, const T* dy, const float* w, T* dx) {
  static onednn::PrimitiveCache<Key, Entry<dnnl::convolution_backward_data>> cache;
  const Key key{s, false, onednn::data_type<T>()};
  const Descs d = descs(key);
  const auto& e = cache.get(key, [&] {
    const dnnl::convolution_backward_data::primitive_desc pd(
        {dnnl::algorithm::convolution_direct, d.src, d.any_weights, d.dst, d.strides, d.padding, d.padding},
        onednn::engine(), forward_pd(d));
    return Entry<dnnl::convolution_backward_data>{dnnl::convolution_backward_data(pd), pd.weights_desc(),
                                                  reorder_between(d.user_weights, pd.weights_desc())};
  });
  e.prim.execute(onednn::stream(), {{DNNL_ARG_DIFF_DST, wrap(d.dst, dy)},
                                    {DNNL_ARG_WEIGHTS, weights_for(e, d, w)},
                                    {DNNL_ARG_DIFF_SRC, wrap(d.src, dx)}});
  onednn::stream().wait();
}

// Where oneDNN 2.6's bf16 weight gradient loses to the f32 one on widened activations
// (bench/results/2026-12-08-cpu-bf16.md): over at most 4096 output positions (an 8x8 map at
// batch 64; bench/bench_conv2d's shapes and the MobileNetV2 step put the crossover between
// 4x4 and 16x16 maps), and for 5x5 and larger grouped kernels at any size, which it serves
// with a generic kernel (47 ms against 8.8 ms in f32 for a 16x16x144 5x5 depthwise, batch 64).
// Depthwise ones never get here since kernels/cpu/depthwise_conv2d.h's kernel took them over
// in either precision; the clause still serves other grouped convolutions.
bool widen_weight_gradient(const Conv2dShape& s) {
  return s.n * s.out_h() * s.out_w() <= 4096 || (s.groups > 1 && s.kernel_h * s.kernel_w > 9);
}

template <class T>
void run_backward_weights(const Conv2dShape& s, const T* x, const T* dy, float* dw, float* dbias) {
  static onednn::PrimitiveCache<Key, Entry<dnnl::convolution_backward_weights>> cache;
  const Key key{s, dbias != nullptr, onednn::data_type<T>()};
  const Descs d = descs(key);
  const auto& e = cache.get(key, [&] {
    const dnnl::convolution_backward_weights::primitive_desc pd(
        {dnnl::algorithm::convolution_direct, d.src, d.any_diff_weights, d.bias, d.dst, d.strides, d.padding,
         d.padding},
        onednn::engine(), forward_pd(d));
    return Entry<dnnl::convolution_backward_weights>{dnnl::convolution_backward_weights(pd), pd.diff_weights_desc(),
                                                     reorder_between(pd.diff_weights_desc(), d.user_weights)};
  });
  memory user = wrap(d.user_weights, dw);
  memory diff_w = e.reorder ? memory(e.weights, onednn::engine()) : user;
  std::unordered_map<int, memory> args{
      {DNNL_ARG_SRC, wrap(d.src, x)}, {DNNL_ARG_DIFF_DST, wrap(d.dst, dy)}, {DNNL_ARG_DIFF_WEIGHTS, diff_w}};
  if (dbias) args.emplace(DNNL_ARG_DIFF_BIAS, wrap(d.bias, dbias));
  e.prim.execute(onednn::stream(), args);
  if (e.reorder) e.reorder->execute(onednn::stream(), diff_w, user);
  onednn::stream().wait();
}

// Whether this CPU's oneDNN has bf16 convolutions (it needs AVX-512; an AVX2 machine has
// none): probed once, with a notice on stderr when not, since bf16 activations then run
// every convolution through f32 copies (correct, slower than fp32).
bool native_bf16_convolutions() {
  static const bool native = [] {
    try {
      const Key probe{{.n = 1, .in_h = 4, .in_w = 4, .in_c = 16, .out_c = 16, .kernel_h = 3, .kernel_w = 3,
                       .stride = 1, .pad = 1, .groups = 1},
                      false,
                      memory::data_type::bf16};
      forward_pd(descs(probe));
      return true;
    } catch (const dnnl::error&) {
      std::fprintf(stderr,
                   "autospace: this CPU's oneDNN has no bf16 convolutions (they need AVX-512); bf16 activations run "
                   "them on f32 copies, slower than precision fp32\n");
      return false;
    }
  }();
  return native;
}

// f32 scratch per thread and role, kept across calls (a step's shapes repeat).
float* scratch(int role, std::int64_t n) {
  thread_local std::vector<float> buffers[2];
  std::vector<float>& b = buffers[role];
  b.resize(static_cast<std::size_t>(n));
  return b.data();
}

float* widened(int role, std::int64_t n, const bf16* p) {
  float* out = scratch(role, n);
  convert(n, p, out);
  return out;
}

std::int64_t input_elements(const Conv2dShape& s) { return s.n * s.in_h * s.in_w * s.in_c; }
std::int64_t output_elements(const Conv2dShape& s) { return s.n * s.out_h() * s.out_w() * s.out_c; }

// An f32 pass on bf16 data: `in` (n_in elements) widened, run(wide_in, wide_out) into f32
// scratch, its n_out elements rounded into `out`.
template <class Run> void on_f32_copies(std::int64_t n_in, const bf16* in, std::int64_t n_out, bf16* out, Run run) {
  float* wide_out = scratch(1, n_out);
  run(widened(0, n_in, in), wide_out);
  convert(n_out, wide_out, out);
}

}  // namespace

template <class T> void conv2d_forward(const Conv2dShape& s, const T* x, const float* w, const float* bias, T* y) {
  if constexpr (std::is_same_v<T, bf16>) {
    if (!native_bf16_convolutions())
      return on_f32_copies(input_elements(s), x, output_elements(s), y,
                           [&](const float* in, float* out) { forward_native(s, in, w, bias, out); });
  }
  forward_native(s, x, w, bias, y);
}

template <class T>
void conv2d_forward_activation(const Conv2dShape& s, const T* x, const float* w, const float* bias,
                               ActivationKind activation, T* y) {
  if constexpr (std::is_same_v<T, bf16>) {
    if (!native_bf16_convolutions())
      return on_f32_copies(input_elements(s), x, output_elements(s), y, [&](const float* in, float* out) {
        forward_activation_native(s, in, w, bias, activation, out);
      });
  }
  forward_activation_native(s, x, w, bias, activation, y);
}

template <class T> void conv2d_backward_data(const Conv2dShape& s, const T* dy, const float* w, T* dx) {
  if constexpr (std::is_same_v<T, bf16>) {
    if (!native_bf16_convolutions())
      return on_f32_copies(output_elements(s), dy, input_elements(s), dx,
                           [&](const float* in, float* out) { backward_data_native(s, in, w, out); });
  }
  backward_data_native(s, dy, w, dx);
}

template <class T>
void conv2d_backward_weights(const Conv2dShape& s, const T* x, const T* dy, float* dw, float* dbias) {
  if (depthwise_weights_by_hand(s)) return depthwise_conv2d_backward_weights(s, x, dy, dw, dbias);
  if constexpr (std::is_same_v<T, bf16>) {
    if (widen_weight_gradient(s) || !native_bf16_convolutions())
      return run_backward_weights(s, widened(0, input_elements(s), x), widened(1, output_elements(s), dy), dw, dbias);
  }
  run_backward_weights(s, x, dy, dw, dbias);
}

template void conv2d_forward<float>(const Conv2dShape&, const float*, const float*, const float*, float*);
template void conv2d_forward<bf16>(const Conv2dShape&, const bf16*, const float*, const float*, bf16*);
template void conv2d_forward_activation<float>(const Conv2dShape&, const float*, const float*, const float*,
                                               ActivationKind, float*);
template void conv2d_forward_activation<bf16>(const Conv2dShape&, const bf16*, const float*, const float*,
                                              ActivationKind, bf16*);
template void conv2d_backward_data<float>(const Conv2dShape&, const float*, const float*, float*);
template void conv2d_backward_data<bf16>(const Conv2dShape&, const bf16*, const float*, bf16*);
template void conv2d_backward_weights<float>(const Conv2dShape&, const float*, const float*, float*, float*);
template void conv2d_backward_weights<bf16>(const Conv2dShape&, const bf16*, const bf16*, float*, float*);

}  // namespace autospace::kernels::cpu
