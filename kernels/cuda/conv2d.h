#pragma once
// Convolutions over NHWC activations and OHWI weights on device memory; the same
// contracts as kernels/cpu/conv2d.h. The native backend runs depthwise convolutions with
// hand-written kernels (depthwise_conv2d.h) and every other one as cuBLAS GEMMs: a 1x1
// stride-1 convolution is one GEMM on the activations as they are, any other first
// gathers its input patches (im2col) in bounded chunks of images. The cuDNN backend,
// when built in, serves the same calls (the baseline in benchmarks). Either honours
// set_gemm_precision (gemm.h).
#include <vector>

#include "kernels/common/activation.h"
#include "kernels/common/bf16.h"
#include "kernels/common/conv2d.h"

namespace autospace::kernels::cuda {

// native_tiled: the native kernels with depthwise_conv2d.h's register-tiled versions for
// the depthwise passes they cover; a per-shape choice only (the autotuner's).
enum class ConvBackend { native, cudnn, native_tiled };
// The process-wide backend, for shapes without a choice of their own (native or cudnn).
// Throws when cuDNN is asked for but was not found at build time.
void set_conv_backend(ConvBackend backend);
ConvBackend conv_backend();
bool cudnn_available();
int cudnn_version();  // of the library loaded; 0 without cuDNN

// Activations of T (float, or bf16: GEMMs on bf16 operands with the weights rounded to bf16
// and fp32 accumulation, the depthwise kernels loading bf16 and accumulating in float; dw and
// dbias float), through the backend chosen for the shape and pass. cuDNN serves float only:
// a bf16 pass takes the native kernels under the process-wide cuDNN backend, and a per-shape
// cuDNN choice for bf16 activations is refused.
template <class T> void conv2d_forward(const Conv2dShape& s, const T* x, const float* w, const float* bias, T* y);
// The contract of kernels/cpu/conv2d.h. The depthwise kernels (tiled or not) apply the
// activation as they store each output; after a GEMM or cuDNN forward it joins the bias
// pass (add_bias_activation), since cuBLAS's own epilogues have no ReLU6 or hard swish.
template <class T>
void conv2d_forward_activation(const Conv2dShape& s, const T* x, const float* w, const float* bias,
                               ActivationKind activation, T* y);
template <class T> void conv2d_backward_data(const Conv2dShape& s, const T* dy, const float* w, T* dx);
template <class T>
void conv2d_backward_weights(const Conv2dShape& s, const T* x, const T* dy, float* dw, float* dbias);

// Per-shape choices (an autotuner's, engine/ops/conv_autotune.h): each pass of each shape
// at each GEMM precision and activation type, on the current device, may have a backend of
// its own, which the calls above take before the process-wide one.
enum class ConvPass { forward, backward_data, backward_weights };
const char* conv_pass_name(ConvPass pass);  // "forward", "backward_data", "backward_weights"
const char* conv_backend_name(ConvBackend backend);  // "native", "cudnn", "native_tiled"
// The backends that can serve a pass of a shape at the current GEMM precision, the
// reference (native) first: native_tiled where the tiled depthwise kernels cover the
// pass, cuDNN when built in, on float activations and the precision is not bf16 (its bf16
// path is not written).
std::vector<ConvBackend> conv_backends_available(const Conv2dShape& s, ConvPass pass, bool bf16_activations = false);
// A choice holds for float or for bf16 activations (bf16_activations), each validated apart.
void set_conv_backend_for(const Conv2dShape& s, ConvPass pass, ConvBackend backend, bool bf16_activations = false);
bool has_conv_backend_for(const Conv2dShape& s, ConvPass pass, bool bf16_activations = false);
void clear_conv_backend_choices();

// The buffers of one pass (those it does not use may be null): forward reads x, w, bias
// and writes y; backward_data reads dy, w and writes dx; backward_weights reads x, dy and
// writes dw (and dbias). Activations of T (float or bf16), weights and their gradients float.
template <class T> struct ConvPassBuffersOf {
  const T* x = nullptr;
  const float *w = nullptr, *bias = nullptr;
  const T* dy = nullptr;
  T *y = nullptr, *dx = nullptr;
  float *dw = nullptr, *dbias = nullptr;
};
using ConvPassBuffers = ConvPassBuffersOf<float>;
// Device milliseconds of one pass on `backend`, overwriting its outputs: one untimed run
// (cuDNN's algorithm search, first-use costs), then the mean of `runs`.
template <class T>
float time_conv2d_pass(ConvBackend backend, ConvPass pass, const Conv2dShape& s, const ConvPassBuffersOf<T>& b,
                       int runs);
// Relative L2 difference between the pass's output (y, dx or dw) on `backend` and on the
// native backend, both run on b's inputs (b's output is overwritten): what the autotuner
// checks before it trusts a backend with a shape.
template <class T>
double conv2d_pass_difference(ConvBackend backend, ConvPass pass, const Conv2dShape& s,
                              const ConvPassBuffersOf<T>& b);

}  // namespace autospace::kernels::cuda
