#include "kernels/cuda/cudnn_conv2d.h"

#include <cudnn.h>

#include <map>
#include <mutex>
#include <tuple>

#include "kernels/cuda/cuda_check.cuh"
#include "kernels/cuda/gemm.h"

#define AUTOSPACE_CUDNN_CALL(expr)                                                              \
  do {                                                                                          \
    const cudnnStatus_t status_ = (expr);                                                       \
    if (status_ != CUDNN_STATUS_SUCCESS)                                                        \
      AUTOSPACE_THROW(__FILE__, ":", __LINE__, ": ", #expr, " failed: ", cudnnGetErrorString(status_)); \
  } while (0)

namespace autospace::kernels::cuda {

namespace {

// One handle per thread and device, like the cuBLAS handles (gemm.cu).
cudnnHandle_t handle() {
  thread_local std::map<int, cudnnHandle_t> handles;
  int device = 0;
  AUTOSPACE_CUDA_CALL(cudaGetDevice(&device));
  auto it = handles.find(device);
  if (it == handles.end()) {
    cudnnHandle_t h = nullptr;
    AUTOSPACE_CUDNN_CALL(cudnnCreate(&h));
    AUTOSPACE_CUDNN_CALL(cudnnSetStream(h, compute_stream()));
    it = handles.emplace(device, h).first;
  }
  return it->second;
}

struct Algorithms {
  cudnnConvolutionFwdAlgo_t forward;
  cudnnConvolutionBwdDataAlgo_t backward_data;
  cudnnConvolutionBwdFilterAlgo_t backward_filter;
  std::size_t forward_bytes, backward_data_bytes, backward_filter_bytes;
};

// Descriptors of one convolution shape at one precision, and the algorithms measured
// for it. Entries live for the process (a run uses a bounded set of shapes). Each pass
// has its own convolution descriptor, set to the math type cuDNN reported for the
// algorithm it timed: Find tries an algorithm with and without tensor ops, and run under
// another math type it would be another kernel, untimed, with another workspace size.
struct Plan {
  cudnnTensorDescriptor_t x, y;
  cudnnFilterDescriptor_t w;
  cudnnConvolutionDescriptor_t forward_conv, backward_data_conv, backward_filter_conv;
  Algorithms algo;
};

// The fastest successful result (cudnnFind* sorts by time) that respects the precision:
// with fp32 an algorithm reporting FMA math, or, should none report it, the fastest
// successful one (the parity tests then show whether it rounds operands).
template <class Perf> const Perf& fastest(const Perf* perf, int count, const char* what) {
  const Perf* any = nullptr;
  for (int i = 0; i < count; ++i) {
    if (perf[i].status != CUDNN_STATUS_SUCCESS) continue;
    if (gemm_precision() != GemmPrecision::fp32 || perf[i].mathType == CUDNN_FMA_MATH) return perf[i];
    if (!any) any = &perf[i];
  }
  if (any) return *any;
  AUTOSPACE_THROW("cuDNN found no usable ", what, " algorithm");
}

cudnnConvolutionDescriptor_t convolution_descriptor(const Conv2dShape& s, cudnnMathType_t math) {
  const auto i = [](std::int64_t v) { return static_cast<int>(v); };
  cudnnConvolutionDescriptor_t conv;
  AUTOSPACE_CUDNN_CALL(cudnnCreateConvolutionDescriptor(&conv));
  AUTOSPACE_CUDNN_CALL(cudnnSetConvolution2dDescriptor(conv, i(s.pad), i(s.pad), i(s.stride), i(s.stride), 1, 1,
                                                       CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
  AUTOSPACE_CUDNN_CALL(cudnnSetConvolutionGroupCount(conv, i(s.groups)));
  AUTOSPACE_CUDNN_CALL(cudnnSetConvolutionMathType(conv, math));
  return conv;
}

Plan make_plan(const Conv2dShape& s) {
  Plan p{};
  AUTOSPACE_CUDNN_CALL(cudnnCreateTensorDescriptor(&p.x));
  AUTOSPACE_CUDNN_CALL(cudnnCreateTensorDescriptor(&p.y));
  AUTOSPACE_CUDNN_CALL(cudnnCreateFilterDescriptor(&p.w));
  const auto i = [](std::int64_t v) { return static_cast<int>(v); };
  AUTOSPACE_CUDNN_CALL(cudnnSetTensor4dDescriptor(p.x, CUDNN_TENSOR_NHWC, CUDNN_DATA_FLOAT, i(s.n), i(s.in_c),
                                                  i(s.in_h), i(s.in_w)));
  AUTOSPACE_CUDNN_CALL(cudnnSetTensor4dDescriptor(p.y, CUDNN_TENSOR_NHWC, CUDNN_DATA_FLOAT, i(s.n), i(s.out_c),
                                                  i(s.out_h()), i(s.out_w())));
  // OHWI weights are cuDNN's NHWC filter layout (K, R, S, C).
  AUTOSPACE_CUDNN_CALL(cudnnSetFilter4dDescriptor(p.w, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NHWC, i(s.out_c),
                                                  i(s.in_c / s.groups), i(s.kernel_h), i(s.kernel_w)));
  // Find runs under the precision's math type; each pass then gets the chosen entry's.
  const cudnnConvolutionDescriptor_t find =
      convolution_descriptor(s, gemm_precision() == GemmPrecision::fp32 ? CUDNN_FMA_MATH : CUDNN_TENSOR_OP_MATH);
  constexpr int kMax = 16;
  int count = 0;
  cudnnConvolutionFwdAlgoPerf_t fwd[kMax];
  cudnnConvolutionBwdDataAlgoPerf_t bwd_data[kMax];
  cudnnConvolutionBwdFilterAlgoPerf_t bwd_filter[kMax];
  try {
    AUTOSPACE_CUDNN_CALL(cudnnFindConvolutionForwardAlgorithm(handle(), p.x, p.w, find, p.y, kMax, &count, fwd));
    const auto& f = fastest(fwd, count, "forward");
    AUTOSPACE_CUDNN_CALL(
        cudnnFindConvolutionBackwardDataAlgorithm(handle(), p.w, p.y, find, p.x, kMax, &count, bwd_data));
    const auto& d = fastest(bwd_data, count, "backward-data");
    AUTOSPACE_CUDNN_CALL(
        cudnnFindConvolutionBackwardFilterAlgorithm(handle(), p.x, p.y, find, p.w, kMax, &count, bwd_filter));
    const auto& w = fastest(bwd_filter, count, "backward-filter");
    p.algo = {f.algo, d.algo, w.algo, f.memory, d.memory, w.memory};
    // At fp32 always FMA math: a fallback entry reporting default math would permit TF32.
    const auto math = [](cudnnMathType_t reported) {
      return gemm_precision() == GemmPrecision::fp32 ? CUDNN_FMA_MATH : reported;
    };
    p.forward_conv = convolution_descriptor(s, math(f.mathType));
    p.backward_data_conv = convolution_descriptor(s, math(d.mathType));
    p.backward_filter_conv = convolution_descriptor(s, math(w.mathType));
  } catch (const Error&) {
    // No plan for this shape (the autotuner then refuses cuDNN for it): no descriptors kept.
    cudnnDestroyConvolutionDescriptor(find);
    cudnnDestroyTensorDescriptor(p.x);
    cudnnDestroyTensorDescriptor(p.y);
    cudnnDestroyFilterDescriptor(p.w);
    throw;
  }
  AUTOSPACE_CUDNN_CALL(cudnnDestroyConvolutionDescriptor(find));
  return p;
}

const Plan& plan_for(const Conv2dShape& s) {
  static std::mutex mutex;
  static std::map<std::tuple<int, GemmPrecision, Conv2dShape>, Plan> plans;
  int device = 0;
  AUTOSPACE_CUDA_CALL(cudaGetDevice(&device));
  const auto key = std::make_tuple(device, gemm_precision(), s);
  std::lock_guard lock(mutex);
  auto it = plans.find(key);
  if (it == plans.end()) it = plans.emplace(key, make_plan(s)).first;
  return it->second;
}

const float kOne = 1.0f, kZero = 0.0f;

}  // namespace

int cudnn_library_version() { return static_cast<int>(cudnnGetVersion()); }

void cudnn_conv2d_forward(const Conv2dShape& s, const float* x, const float* w, float* y) {
  const Plan& p = plan_for(s);
  Scratch workspace(p.algo.forward_bytes);
  AUTOSPACE_CUDNN_CALL(cudnnConvolutionForward(handle(), &kOne, p.x, x, p.w, w, p.forward_conv, p.algo.forward,
                                               workspace.as<void>(), workspace.bytes(), &kZero, p.y, y));
}

void cudnn_conv2d_backward_data(const Conv2dShape& s, const float* dy, const float* w, float* dx) {
  const Plan& p = plan_for(s);
  Scratch workspace(p.algo.backward_data_bytes);
  AUTOSPACE_CUDNN_CALL(cudnnConvolutionBackwardData(handle(), &kOne, p.w, w, p.y, dy, p.backward_data_conv, p.algo.backward_data,
                                                    workspace.as<void>(), workspace.bytes(), &kZero, p.x, dx));
}

void cudnn_conv2d_backward_weights(const Conv2dShape& s, const float* x, const float* dy, float* dw) {
  const Plan& p = plan_for(s);
  Scratch workspace(p.algo.backward_filter_bytes);
  AUTOSPACE_CUDNN_CALL(cudnnConvolutionBackwardFilter(handle(), &kOne, p.x, x, p.y, dy, p.backward_filter_conv,
                                                      p.algo.backward_filter, workspace.as<void>(), workspace.bytes(),
                                                      &kZero, p.w, dw));
}

}  // namespace autospace::kernels::cuda
