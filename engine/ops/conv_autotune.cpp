#include "engine/ops/conv_autotune.h"

#include <cstdio>
#include <memory>
#include <mutex>
#include <type_traits>

#include "engine/io/autotune_cache.h"
#include "kernels/common/check.h"
#ifdef AUTOSPACE_WITH_CUDA
#include "kernels/cuda/gemm.h"
#include "kernels/cuda/runtime.h"
#endif

namespace autospace::ops {

namespace {

std::mutex mutex;
ConvBackendSetting setting = ConvBackendSetting::native;
std::filesystem::path cache_file;
std::unique_ptr<io::AutotuneCache> cache;  // opened at the first pass to tune

#ifdef AUTOSPACE_WITH_CUDA
// Timed runs per backend: enough to average out launch jitter on shapes of 10-1000 us.
constexpr int kRuns = 5;
// How close a backend's result must come to the native kernels' (relative L2): ten times
// the parity tests' fp32 bound, and for cuDNN at tf32 ten times theirs (1e-3), since each
// algorithm rounds its operands in its own order. The tiled kernels compute in fp32 at every
// precision, as the native depthwise ones they replace do, so they are held to the fp32
// bound on float activations, and on bf16 ones to 1e-3: both kernels round the same float
// sums to bf16, and only the few that lie within their summation-order difference of a
// rounding boundary round apart, by one bf16 step (2^-8 relative). A slip touching a few
// border elements must not hide under 1e-2; a broken kernel misses by O(1).
double agreement(kernels::cuda::ConvBackend backend, bool bf16_activations) {
  if (backend == kernels::cuda::ConvBackend::native_tiled) return bf16_activations ? 1e-3 : 1e-4;
  return kernels::cuda::gemm_precision() == kernels::cuda::GemmPrecision::fp32 ? 1e-4 : 1e-2;
}

// What the timings depend on: the GPU and the libraries.
std::string context() {
  const kernels::cuda::DeviceInfo& d = kernels::cuda::device_info();
  return d.name + " sm_" + std::to_string(d.compute_major) + std::to_string(d.compute_minor) + " driver " +
         std::to_string(d.driver_version) + " runtime " + std::to_string(d.runtime_version) + " cudnn " +
         std::to_string(kernels::cuda::cudnn_version());
}

// bf16 activations add a word, so that float keys written before they could be tuned stay valid.
std::string key_of(kernels::cuda::ConvPass pass, const kernels::Conv2dShape& s, bool bf16_activations) {
  return std::string("conv2d ") + kernels::cuda::conv_pass_name(pass) +
         (bf16_activations ? " bf16-activations " : " ") +
         kernels::cuda::gemm_precision_name(kernels::cuda::gemm_precision()) + " n" +
         std::to_string(s.n) + " " + std::to_string(s.in_h) + "x" + std::to_string(s.in_w) + "x" +
         std::to_string(s.in_c) + "->" + std::to_string(s.out_c) + " k" + std::to_string(s.kernel_h) + "x" +
         std::to_string(s.kernel_w) + " s" + std::to_string(s.stride) + " p" + std::to_string(s.pad) + " g" +
         std::to_string(s.groups);
}
#endif

}  // namespace

const std::vector<std::string>& conv_backend_names() {
  static const std::vector<std::string> names = {"native", "cudnn", "autotune"};
  return names;
}

std::filesystem::path default_conv_autotune_file() { return io::default_cache_dir() / "conv-autotune.json"; }

void set_conv_backend_setting(ConvBackendSetting s, const std::filesystem::path& file) {
#ifdef AUTOSPACE_WITH_CUDA
  using kernels::cuda::ConvBackend;
  if (s == ConvBackendSetting::cudnn && !kernels::cuda::cudnn_available())
    AUTOSPACE_THROW("conv_backend \"cudnn\": this build has no cuDNN (use \"native\" or \"autotune\")");
  std::lock_guard lock(mutex);
  kernels::cuda::set_conv_backend(s == ConvBackendSetting::cudnn ? ConvBackend::cudnn : ConvBackend::native);
  kernels::cuda::clear_conv_backend_choices();
  if (s != setting || file != cache_file) cache.reset();
#else
  if (s == ConvBackendSetting::cudnn) AUTOSPACE_THROW("conv_backend \"cudnn\": this build has no CUDA backend");
  std::lock_guard lock(mutex);
#endif
  setting = s;
  cache_file = file;
}

ConvBackendSetting conv_backend_setting() {
  std::lock_guard lock(mutex);
  return setting;
}

template <class T>
void prepare_conv_pass(kernels::cuda::ConvPass pass, const kernels::Conv2dShape& s,
                       const kernels::cuda::ConvPassBuffersOf<T>& buffers) {
#ifdef AUTOSPACE_WITH_CUDA
  namespace cuda = kernels::cuda;
  constexpr bool bf16_activations = std::is_same_v<T, kernels::bf16>;
  if (conv_backend_setting() != ConvBackendSetting::autotune || cuda::has_conv_backend_for(s, pass, bf16_activations))
    return;
  const std::vector<cuda::ConvBackend> backends = cuda::conv_backends_available(s, pass, bf16_activations);
  if (backends.size() == 1)  // nothing to measure
    return cuda::set_conv_backend_for(s, pass, backends[0], bf16_activations);
  std::vector<std::string> names;
  for (const cuda::ConvBackend b : backends) names.emplace_back(cuda::conv_backend_name(b));
  std::lock_guard lock(mutex);
  if (!cache) cache = std::make_unique<io::AutotuneCache>(cache_file, context());
  const std::string key = key_of(pass, s, bf16_activations);
  // Validate, then time (llm.c's order): a backend is trusted with a shape only once its
  // result matches the native kernels' on this very input.
  // A candidate that throws (cuDNN finding no algorithm for a shape, a library status
  // error) is reported and never chosen, like one that disagrees: one shape a library
  // cannot take must not end the run. The native kernels (i = 0) are not caught.
  const auto refused = [&](int i, const Error& e) {
    std::fprintf(stderr, "autospace: autotune: %s on %s failed (%s); not used\n", key.c_str(),
                 names[static_cast<std::size_t>(i)].c_str(), e.what());
  };
  const auto agrees = [&](int i) {
    const cuda::ConvBackend backend = backends[static_cast<std::size_t>(i)];
    double difference = 0;
    try {
      difference = cuda::conv2d_pass_difference(backend, pass, s, buffers);
    } catch (const Error& e) {
      refused(i, e);
      return false;
    }
    if (difference <= agreement(backend, bf16_activations)) return true;
    std::fprintf(stderr, "autospace: autotune: %s on %s differs from native by %.3g (relative L2); not used\n",
                 key.c_str(), names[static_cast<std::size_t>(i)].c_str(), difference);
    return false;
  };
  const auto seconds = [&](int i) {
    return static_cast<double>(cuda::time_conv2d_pass(backends[static_cast<std::size_t>(i)], pass, s, buffers, kRuns));
  };
  const bool remembered = cache->lookup(key, names) >= 0;
  int choice = cache->choose(key, names, [&](int i) {
    if (i == 0) return seconds(0);
    if (!agrees(i)) return -1.0;
    try {
      return seconds(i);
    } catch (const Error& e) {
      refused(i, e);
      return -1.0;
    }
  });
  // A choice read from the file was validated by the build that measured it: this one
  // checks it again, once per process, since its kernels may differ.
  if (remembered && choice > 0 && !agrees(choice)) choice = 0;
  cuda::set_conv_backend_for(s, pass, backends[static_cast<std::size_t>(choice)], bf16_activations);
#else
  (void)pass, (void)s, (void)buffers;
#endif
}

template void prepare_conv_pass<float>(kernels::cuda::ConvPass, const kernels::Conv2dShape&,
                                       const kernels::cuda::ConvPassBuffersOf<float>&);
template void prepare_conv_pass<kernels::bf16>(kernels::cuda::ConvPass, const kernels::Conv2dShape&,
                                               const kernels::cuda::ConvPassBuffersOf<kernels::bf16>&);

}  // namespace autospace::ops
