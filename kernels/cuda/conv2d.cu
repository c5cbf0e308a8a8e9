#include "kernels/cuda/conv2d.h"

#include <atomic>
#include <cmath>
#include <map>
#include <mutex>
#include <tuple>
#include <type_traits>

#include "kernels/cuda/activation.h"
#include "kernels/cuda/bias.h"
#include "kernels/cuda/cast.h"
#include "kernels/cuda/depthwise_conv2d.h"
#include "kernels/cuda/gemm.h"
#include "kernels/cuda/cuda_check.cuh"
#include "kernels/cuda/reduce.cuh"
#if AUTOSPACE_WITH_CUDNN
#include "kernels/cuda/cudnn_conv2d.h"
#endif

namespace autospace::kernels::cuda {

namespace {

std::atomic<ConvBackend> backend{ConvBackend::native};

// Largest im2col buffer, in elements (64 MiB of floats): images are processed in chunks
// that fit. A
// chunk of MobileNet-size images still gives GEMMs of 10^4+ rows.
constexpr std::int64_t kColumnBudget = std::int64_t{16} << 20;

// The GEMM view of a convolution: per group g, rows = output positions, columns of the
// patch matrix = (kh, kw, input channel of the group), outputs = the group's channels.
struct GemmView {
  std::int64_t groups, in_per_group, out_per_group, patch;  // patch = kh * kw * in_per_group
  std::int64_t positions;                                    // output positions per image
  bool direct;  // 1x1, stride 1, no padding: the activations are the patch matrix
};

GemmView gemm_view(const Conv2dShape& s) {
  const std::int64_t cig = s.in_c / s.groups;
  return {s.groups, cig, s.out_c / s.groups, s.kernel_h * s.kernel_w * cig, s.out_h() * s.out_w(),
          s.kernel_h == 1 && s.kernel_w == 1 && s.stride == 1 && s.pad == 0};
}

std::int64_t images_per_chunk(const Conv2dShape& s, const GemmView& v) {
  if (v.direct) return s.n;
  const std::int64_t per_image = v.positions * v.groups * v.patch;
  const std::int64_t images = kColumnBudget / (per_image > 0 ? per_image : 1);
  return images < 1 ? 1 : (images > s.n ? s.n : images);
}

// col[m, g, kh, kw, ci] for the output positions m of images [n0, n0 + images); zeros
// where the patch reaches into the padding.
template <class T>
void im2col(const Conv2dShape& s, const GemmView& v, std::int64_t n0, std::int64_t images, const T* x, T* col) {
  const std::int64_t oh_n = s.out_h(), ow_n = s.out_w(), row = v.groups * v.patch;
  launch_map(images * v.positions * row, [=] __device__(auto i) {
    const std::int64_t j = i % row, m = i / row;
    const std::int64_t ci = j % v.in_per_group, t = j / v.in_per_group;
    const std::int64_t kw = t % s.kernel_w, kh = t / s.kernel_w % s.kernel_h, g = t / (s.kernel_w * s.kernel_h);
    const std::int64_t ow = m % ow_n, oh = m / ow_n % oh_n, n = n0 + m / (ow_n * oh_n);
    const std::int64_t ih = oh * s.stride - s.pad + kh, iw = ow * s.stride - s.pad + kw;
    col[i] = (ih >= 0 && ih < s.in_h && iw >= 0 && iw < s.in_w)
                 ? x[((n * s.in_h + ih) * s.in_w + iw) * s.in_c + g * v.in_per_group + ci]
                 : T{};
  });
}

// dx for images [n0, n0 + images) from the patch gradients: each input element gathers
// the patch entries it was copied to, so every element has one writer. The patch
// gradients are float whatever dx's type T, so a bf16 dx is rounded once, from their sum.
template <class T>
void col2im(const Conv2dShape& s, const GemmView& v, std::int64_t n0, std::int64_t images, const float* dcol, T* dx) {
  const std::int64_t oh_n = s.out_h(), ow_n = s.out_w(), row = v.groups * v.patch;
  T* out = dx + n0 * s.in_h * s.in_w * s.in_c;
  launch_map(images * s.in_h * s.in_w * s.in_c, [=] __device__(auto i) {
    const std::int64_t c = i % s.in_c, iw = i / s.in_c % s.in_w, ih = i / (s.in_c * s.in_w) % s.in_h,
                       n = i / (s.in_c * s.in_w * s.in_h);
    const std::int64_t g = c / v.in_per_group, ci = c % v.in_per_group;
    float acc = 0.0f;
    for (std::int64_t kh = 0; kh < s.kernel_h; ++kh) {
      const std::int64_t oh_s = ih + s.pad - kh;
      if (oh_s < 0 || oh_s % s.stride != 0 || oh_s / s.stride >= oh_n) continue;
      for (std::int64_t kw = 0; kw < s.kernel_w; ++kw) {
        const std::int64_t ow_s = iw + s.pad - kw;
        if (ow_s < 0 || ow_s % s.stride != 0 || ow_s / s.stride >= ow_n) continue;
        const std::int64_t m = (n * oh_n + oh_s / s.stride) * ow_n + ow_s / s.stride;
        acc += dcol[m * row + g * v.patch + (kh * s.kernel_w + kw) * v.in_per_group + ci];
      }
    }
    out[i] = from_float<T>(acc);
  });
}

// The images in chunks whose patch matrix fits the column budget: `body(n0, images, col)`
// gets the chunk's patch-matrix scratch (elements of C), or null for a direct convolution,
// whose activations are the patch matrix.
template <class C, class Body>
void for_each_chunk(const Conv2dShape& s, const GemmView& v, const Body& body) {
  const std::int64_t chunk = images_per_chunk(s, v);
  Scratch col(v.direct ? 0 : static_cast<std::size_t>(chunk * v.positions * v.groups * v.patch) * sizeof(C));
  for (std::int64_t n0 = 0; n0 < s.n; n0 += chunk)
    body(n0, chunk < s.n - n0 ? chunk : s.n - n0, v.direct ? nullptr : col.as<C>());
}

// A chunk's patch matrix: its activations themselves when direct, else im2col'd into `col`.
template <class T>
const T* patch_matrix(const Conv2dShape& s, const GemmView& v, std::int64_t n0, std::int64_t images, const T* x,
                      T* col) {
  if (!col) return x + n0 * s.in_h * s.in_w * s.in_c;
  im2col(s, v, n0, images, x, col);
  return col;
}

// The weights as GEMM operands of T: themselves for float, rounded to bf16 into a scratch
// buffer of their own for bf16 activations (the product's two operands share a type).
template <class T> struct GemmWeights {
  Scratch rounded;
  const T* w;
  GemmWeights(const Conv2dShape& s, const float* weights)
      : rounded(sizeof(T) == sizeof(float) ? 0 : static_cast<std::size_t>(weight_count(s)) * sizeof(T)) {
    if constexpr (sizeof(T) == sizeof(float)) {
      w = weights;
    } else {
      convert(weight_count(s), weights, rounded.as<T>());
      w = rounded.as<T>();
    }
  }
  static std::int64_t weight_count(const Conv2dShape& s) {
    return s.out_c * s.kernel_h * s.kernel_w * (s.in_c / s.groups);
  }
};

template <class T> void gemm_forward(const Conv2dShape& s, const T* x, const float* weights, const float* bias, T* y) {
  const GemmView v = gemm_view(s);
  const GemmWeights<T> w(s, weights);
  for_each_chunk<T>(s, v, [&](std::int64_t n0, std::int64_t images, T* col) {
    // y_g [M, out_per_group] = col_g [M, patch] w_g^T, the groups as a strided batch.
    gemm(false, true, images * v.positions, v.out_per_group, v.patch, 1.0f, patch_matrix(s, v, n0, images, x, col),
         v.groups * v.patch, w.w, v.patch, 0.0f, y + n0 * v.positions * s.out_c, s.out_c,
         {v.groups, v.patch, v.out_per_group * v.patch, v.out_per_group});
  });
  if (bias) add_bias(s.n * v.positions, s.out_c, bias, y);
}

template <class T> void gemm_backward_data(const Conv2dShape& s, const T* dy, const float* weights, T* dx) {
  const GemmView v = gemm_view(s);
  const GemmWeights<T> w(s, weights);
  for_each_chunk<float>(s, v, [&](std::int64_t n0, std::int64_t images, float* dcol) {
    // dcol_g [M, patch] = dy_g [M, out_per_group] w_g; direct: the patch gradients are dx.
    const auto product = [&](auto* out) {
      gemm(false, false, images * v.positions, v.patch, v.out_per_group, 1.0f, dy + n0 * v.positions * s.out_c,
           s.out_c, w.w, v.patch, 0.0f, out, v.groups * v.patch,
           {v.groups, v.out_per_group, v.out_per_group * v.patch, v.patch});
    };
    if (!dcol) return product(dx + n0 * s.in_h * s.in_w * s.in_c);
    product(dcol);
    col2im(s, v, n0, images, dcol, dx);
  });
}

template <class T> void gemm_backward_weights(const Conv2dShape& s, const T* x, const T* dy, float* dw) {
  const GemmView v = gemm_view(s);
  for_each_chunk<T>(s, v, [&](std::int64_t n0, std::int64_t images, T* col) {
    // dw_g [out_per_group, patch] (+)= dy_g^T col_g, accumulating over chunks.
    gemm(true, false, v.out_per_group, v.patch, images * v.positions, 1.0f, dy + n0 * v.positions * s.out_c, s.out_c,
         patch_matrix(s, v, n0, images, x, col), v.groups * v.patch, n0 == 0 ? 0.0f : 1.0f, dw, v.patch,
         {v.groups, v.out_per_group, v.patch, v.out_per_group * v.patch});
  });
}

}  // namespace

void set_conv_backend(ConvBackend b) {
  AUTOSPACE_CHECK(b != ConvBackend::native_tiled, "conv backend native_tiled is a per-shape choice");
  AUTOSPACE_CHECK(b == ConvBackend::native || cudnn_available(), "conv backend cudnn: this build has no cuDNN");
  backend = b;
}
ConvBackend conv_backend() { return backend; }

bool cudnn_available() {
#if AUTOSPACE_WITH_CUDNN
  return true;
#else
  return false;
#endif
}

int cudnn_version() {
#if AUTOSPACE_WITH_CUDNN
  return cudnn_library_version();
#else
  return 0;
#endif
}

namespace {

// A choice is per device, GEMM precision, shape, pass and activations' element type (bf16 or not).
using ChoiceKey = std::tuple<int, GemmPrecision, Conv2dShape, ConvPass, bool>;
std::mutex choices_mutex;
std::map<ChoiceKey, ConvBackend> choices;

ChoiceKey choice_key(const Conv2dShape& s, ConvPass pass, bool bf16_activations) {
  int device = 0;
  AUTOSPACE_CUDA_CALL(cudaGetDevice(&device));
  return {device, gemm_precision(), s, pass, bf16_activations};
}

template <class T> ConvBackend backend_for(const Conv2dShape& s, ConvPass pass) {
  const ChoiceKey key = choice_key(s, pass, std::is_same_v<T, bf16>);
  std::lock_guard lock(choices_mutex);
  const auto it = choices.find(key);
  return it == choices.end() ? backend.load() : it->second;
}

// y = act(y + bias) after a convolution written without its bias, in one pass (none when
// there is nothing to do).
template <class T> void add_bias_then_activation(const Conv2dShape& s, const float* bias, ActivationKind act, T* y) {
  const std::int64_t rows = s.n * s.out_h() * s.out_w();
  if (bias) add_bias_activation(rows, s.out_c, bias, act, y);
  else if (act != ActivationKind::identity) activation(act, rows * s.out_c, y, y);
}

// y = act(conv(x, w) + bias): inside the depthwise kernels, else in the pass after the GEMM
// or cuDNN that adds the bias (a GEMM without an activation adds the bias itself).
template <class T>
void forward_on(ConvBackend b, const Conv2dShape& s, const T* x, const float* w, const float* bias, T* y,
                ActivationKind act = ActivationKind::identity) {
#if AUTOSPACE_WITH_CUDNN
  if constexpr (std::is_same_v<T, float>) {
    if (b == ConvBackend::cudnn) {
      cudnn_conv2d_forward(s, x, w, y);
      return add_bias_then_activation(s, bias, act, y);
    }
  }
#endif
  if (b == ConvBackend::native_tiled) return depthwise_conv2d_forward_tiled(s, x, w, bias, y, act);
  if (is_depthwise(s)) return depthwise_conv2d_forward(s, x, w, bias, y, act);
  if (act == ActivationKind::identity) return gemm_forward(s, x, w, bias, y);
  gemm_forward(s, x, w, nullptr, y);
  add_bias_then_activation(s, bias, act, y);
}

template <class T> void backward_data_on(ConvBackend b, const Conv2dShape& s, const T* dy, const float* w, T* dx) {
#if AUTOSPACE_WITH_CUDNN
  if constexpr (std::is_same_v<T, float>)
    if (b == ConvBackend::cudnn) return cudnn_conv2d_backward_data(s, dy, w, dx);
#endif
  if (b == ConvBackend::native_tiled) return depthwise_conv2d_backward_data_tiled(s, dy, w, dx);
  if (is_depthwise(s)) depthwise_conv2d_backward_data(s, dy, w, dx);
  else gemm_backward_data(s, dy, w, dx);
}

template <class T>
void backward_weights_on(ConvBackend b, const Conv2dShape& s, const T* x, const T* dy, float* dw, float* dbias) {
  if (dbias) bias_backward(s.n * s.out_h() * s.out_w(), s.out_c, dy, dbias);
#if AUTOSPACE_WITH_CUDNN
  if constexpr (std::is_same_v<T, float>)
    if (b == ConvBackend::cudnn) return cudnn_conv2d_backward_weights(s, x, dy, dw);
#endif
  if (b == ConvBackend::native_tiled) depthwise_conv2d_backward_weights_tiled(s, x, dy, dw);
  else if (is_depthwise(s)) depthwise_conv2d_backward_weights(s, x, dy, dw);
  else gemm_backward_weights(s, x, dy, dw);
}

template <class T> void run_pass(ConvBackend b, ConvPass pass, const Conv2dShape& s, const ConvPassBuffersOf<T>& u) {
  switch (pass) {
    case ConvPass::forward: return forward_on(b, s, u.x, u.w, u.bias, u.y);
    case ConvPass::backward_data: return backward_data_on(b, s, u.dy, u.w, u.dx);
    case ConvPass::backward_weights: return backward_weights_on(b, s, u.x, u.dy, u.dw, u.dbias);
  }
}

}  // namespace

// Every pass takes the backend chosen for it, or the process's. cuDNN serves float
// activations only (its bf16 path is not written): a bf16 pass under the process-wide cuDNN
// backend takes the native kernels.
template <class T> void conv2d_forward(const Conv2dShape& s, const T* x, const float* w, const float* bias, T* y) {
  forward_on(backend_for<T>(s, ConvPass::forward), s, x, w, bias, y);
}

template <class T>
void conv2d_forward_activation(const Conv2dShape& s, const T* x, const float* w, const float* bias,
                               ActivationKind kind, T* y) {
  forward_on(backend_for<T>(s, ConvPass::forward), s, x, w, bias, y, kind);
}

template <class T> void conv2d_backward_data(const Conv2dShape& s, const T* dy, const float* w, T* dx) {
  backward_data_on(backend_for<T>(s, ConvPass::backward_data), s, dy, w, dx);
}

template <class T>
void conv2d_backward_weights(const Conv2dShape& s, const T* x, const T* dy, float* dw, float* dbias) {
  backward_weights_on(backend_for<T>(s, ConvPass::backward_weights), s, x, dy, dw, dbias);
}

#define AUTOSPACE_CONV_INSTANCES(T)                                                                              \
  template void conv2d_forward<T>(const Conv2dShape&, const T*, const float*, const float*, T*);                 \
  template void conv2d_forward_activation<T>(const Conv2dShape&, const T*, const float*, const float*,           \
                                             ActivationKind, T*);                                               \
  template void conv2d_backward_data<T>(const Conv2dShape&, const T*, const float*, T*);                         \
  template void conv2d_backward_weights<T>(const Conv2dShape&, const T*, const T*, float*, float*);
AUTOSPACE_CONV_INSTANCES(float)
AUTOSPACE_CONV_INSTANCES(bf16)
#undef AUTOSPACE_CONV_INSTANCES

const char* conv_pass_name(ConvPass pass) {
  switch (pass) {
    case ConvPass::forward: return "forward";
    case ConvPass::backward_data: return "backward_data";
    case ConvPass::backward_weights: return "backward_weights";
  }
  return "?";
}

const char* conv_backend_name(ConvBackend b) {
  switch (b) {
    case ConvBackend::native: return "native";
    case ConvBackend::cudnn: return "cudnn";
    case ConvBackend::native_tiled: return "native_tiled";
  }
  return "?";
}

namespace {

// Whether the register-tiled depthwise kernels have a version of this pass for s.
bool tiled_covers(const Conv2dShape& s, ConvPass pass) {
  return ((pass == ConvPass::forward || pass == ConvPass::backward_weights) && depthwise_tiled_forward_supported(s)) ||
         (pass == ConvPass::backward_data && depthwise_tiled_backward_data_supported(s));
}

}  // namespace

std::vector<ConvBackend> conv_backends_available(const Conv2dShape& s, ConvPass pass, bool bf16_activations) {
  std::vector<ConvBackend> out{ConvBackend::native};
  if (tiled_covers(s, pass)) out.push_back(ConvBackend::native_tiled);
  if (cudnn_available() && !bf16_activations && gemm_precision() != GemmPrecision::bf16)
    out.push_back(ConvBackend::cudnn);
  return out;
}

void set_conv_backend_for(const Conv2dShape& s, ConvPass pass, ConvBackend b, bool bf16_activations) {
  AUTOSPACE_CHECK(b != ConvBackend::cudnn || cudnn_available(), "conv backend cudnn: this build has no cuDNN");
  AUTOSPACE_CHECK(b != ConvBackend::native_tiled || tiled_covers(s, pass),
                  "conv backend native_tiled has no kernel for this shape's ", conv_pass_name(pass), " pass");
  AUTOSPACE_CHECK(b != ConvBackend::cudnn || !bf16_activations, "conv backend cudnn: no bf16 path");
  const ChoiceKey key = choice_key(s, pass, bf16_activations);
  std::lock_guard lock(choices_mutex);
  choices[key] = b;
}

bool has_conv_backend_for(const Conv2dShape& s, ConvPass pass, bool bf16_activations) {
  const ChoiceKey key = choice_key(s, pass, bf16_activations);
  std::lock_guard lock(choices_mutex);
  return choices.count(key) > 0;
}

void clear_conv_backend_choices() {
  std::lock_guard lock(choices_mutex);
  choices.clear();
}

namespace {

// Relative L2 distance of got from expected over n elements, in double on the device.
template <class O> double relative_difference(const O* got, const O* expected, std::int64_t n) {
  Scratch sums(2 * sizeof(double));
  double* totals = sums.as<double>();
  flat_reduce<2>(
      n,
      [=] __device__(std::int64_t i, double* acc) {
        const double want = to_float(expected[i]);
        const double d = static_cast<double>(to_float(got[i])) - want;
        acc[0] += d * d;
        acc[1] += want * want;
      },
      [=] __device__(const double* t) {
        totals[0] = t[0];
        totals[1] = t[1];
      });
  double host[2];
  copy_device_to_host(host, totals, sizeof host);
  // NaN (an unwritten or broken output) compares false and stays NaN here: never trusted.
  return std::sqrt(host[0] / (host[1] > 1e-300 ? host[1] : 1e-300));
}

}  // namespace

template <class T>
double conv2d_pass_difference(ConvBackend b, ConvPass pass, const Conv2dShape& s, const ConvPassBuffersOf<T>& u) {
  ConvPassBuffersOf<T> reference = u;
  Scratch bias_grad(u.dbias ? static_cast<std::size_t>(s.out_c) * sizeof(float) : 0);
  reference.dbias = bias_grad.as<float>();  // null when u has none
  // The native kernels write the pass's output (u's member `out`, n elements) into scratch,
  // then the backend writes u's own; their distance.
  const auto against_native = [&](auto out, std::int64_t n) {
    using O = std::remove_pointer_t<std::remove_reference_t<decltype(u.*out)>>;
    Scratch want(static_cast<std::size_t>(n) * sizeof(O));
    reference.*out = want.as<O>();
    run_pass(ConvBackend::native, pass, s, reference);
    run_pass(b, pass, s, u);
    return relative_difference(u.*out, want.as<O>(), n);
  };
  using Buffers = ConvPassBuffersOf<T>;
  switch (pass) {
    case ConvPass::forward: return against_native(&Buffers::y, s.n * s.out_h() * s.out_w() * s.out_c);
    case ConvPass::backward_data: return against_native(&Buffers::dx, s.n * s.in_h * s.in_w * s.in_c);
    case ConvPass::backward_weights:
      return against_native(&Buffers::dw, s.out_c * s.kernel_h * s.kernel_w * (s.in_c / s.groups));
  }
  AUTOSPACE_THROW("conv2d_pass_difference: invalid pass ", static_cast<int>(pass));
}

template <class T>
float time_conv2d_pass(ConvBackend b, ConvPass pass, const Conv2dShape& s, const ConvPassBuffersOf<T>& u, int runs) {
  AUTOSPACE_CHECK(runs >= 1, "time_conv2d_pass: runs = ", runs);
  run_pass(b, pass, s, u);
  DeviceTimer timer;
  timer.start();
  for (int i = 0; i < runs; ++i) run_pass(b, pass, s, u);
  return timer.stop_ms() / static_cast<float>(runs);
}

#define AUTOSPACE_PASS_INSTANCES(T)                                                                              \
  template double conv2d_pass_difference<T>(ConvBackend, ConvPass, const Conv2dShape&,                           \
                                            const ConvPassBuffersOf<T>&);                                         \
  template float time_conv2d_pass<T>(ConvBackend, ConvPass, const Conv2dShape&, const ConvPassBuffersOf<T>&, int);
AUTOSPACE_PASS_INSTANCES(float)
AUTOSPACE_PASS_INSTANCES(bf16)
#undef AUTOSPACE_PASS_INSTANCES

}  // namespace autospace::kernels::cuda
