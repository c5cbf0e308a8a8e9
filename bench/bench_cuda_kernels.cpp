// GPU kernel timings: each hand-written kernel, and next to it the cuBLAS/cuDNN version
// where one exists, with achieved GB/s (memory-bound kernels: the fewest bytes the op
// must move, each input read once and each output written once) or TFLOP/s (GEMMs and
// dense convolutions: 2 * multiply-adds). The device-to-device copy gives the card's
// measured bandwidth ceiling to read the GB/s against.
//
// Times are CUDA-event times of the kernels alone (manual time), after warm-up; inputs
// are random (Philox on the device), never zeros. Shapes are MobileNetV2 layers at
// ImageNet size, batch 64, large enough that most working sets exceed the L2 cache.
// The MobileNetV2 training steps (train_step/...) run the whole engine on the GPU, the
// counterpart of bench/cuda_train_step_pytorch.py: wall-clock time per step, each ending
// in the loss read back. The supernet steps (supernet_step/...) time one DEA weight step
// and one proxyless-g weight step of the ImageNet mobile supernet against the training
// step of the network the DEA step sampled, built alone (the supernet's overhead; with
// AUTOSPACE_SAMPLED_ARCH=<file> that network's arch.json is written there, for
// cuda_train_step_pytorch.py --arch). The evaluation forwards (eval_forward/...) time the
// forward launched kernel by kernel against its CUDA-graph replay.
// Without a GPU the program says so and exits successfully.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <type_traits>
#include <vector>

#include "bench/common/mobilenet_v2.h"
#include "nas/arch_json.h"
#include "nas/dea/evolution.h"
#include "nas/network/build_network.h"
#include "nas/search/gated_search.h"
#include "engine/core/device.h"
#include "engine/autograd/node.h"
#include "engine/nn/dropout.h"
#include "engine/nn/graphed_forward.h"
#include "engine/ops/conv_autotune.h"
#include "engine/ops/cross_entropy.h"
#include "engine/optim/optimizer.h"
#include "engine/rng/rng.h"
#include "kernels/common/activation.h"
#include "kernels/common/conv2d.h"
#include "kernels/cuda/activation.h"
#include "kernels/cuda/add.h"
#include "kernels/cuda/batch_norm.h"
#include "kernels/cuda/cast.h"
#include "kernels/cuda/conv2d.h"
#include "kernels/cuda/conv_bn_fold.h"
#include "kernels/cuda/cross_entropy.h"
#include "kernels/cuda/depthwise_conv2d.h"
#include "kernels/cuda/gemm.h"
#include "kernels/cuda/linear.h"
#include "kernels/cuda/optimizer_update.h"
#include "kernels/cuda/pool.h"
#include "kernels/cuda/random.h"
#include "kernels/cuda/runtime.h"

namespace cuda = autospace::kernels::cuda;
using autospace::kernels::ActivationKind;
using autospace::kernels::bf16;
using autospace::kernels::Conv2dShape;

namespace {

// Device memory of n random elements of T in [lo, hi) (bf16: the float values rounded).
template <class T> class BufferOf {
 public:
  explicit BufferOf(std::int64_t n, float lo = -1.f, float hi = 1.f)
      : data_(static_cast<T*>(cuda::malloc_device(static_cast<std::size_t>(n) * sizeof(T)))) {
    static std::uint32_t stream_id = 0;
    if constexpr (std::is_same_v<T, float>) {
      cuda::fill_uniform(data_, n, {0x5eed, 0, ++stream_id, 0, 0}, lo, hi);
    } else {
      const BufferOf<float> values(n, lo, hi);
      cuda::convert(n, values.get(), data_);
    }
  }
  ~BufferOf() { cuda::free_device(data_); }
  BufferOf(const BufferOf&) = delete;
  BufferOf& operator=(const BufferOf&) = delete;
  T* get() const { return data_; }

 private:
  T* data_;
};
using Buffer = BufferOf<float>;

// Times `run` with device events per iteration, after two warm-up calls (library handle
// creation, cuDNN algorithm search and module loading stay out of the numbers).
void time_kernel(benchmark::State& state, const std::function<void()>& run, double bytes, double flops) {
  run();
  run();
  cuda::synchronize();
  cuda::DeviceTimer timer;
  for (auto _ : state) {
    timer.start();
    run();
    state.SetIterationTime(timer.stop_ms() * 1e-3);
  }
  if (bytes > 0)
    state.counters["GB/s"] = benchmark::Counter(bytes * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  if (flops > 0)
    state.counters["TFLOP/s"] = benchmark::Counter(flops * 1e-12, benchmark::Counter::kIsIterationInvariantRate);
}

constexpr double kF = sizeof(float);

// Runs a benchmark's body, an exception (out of memory, a library's status error) becoming
// that benchmark's error: Google Benchmark does not catch, and an uncaught exception would
// end the process with its JSON cut off, taking the group's finished benchmarks with it.
void guarded(benchmark::State& state, const std::function<void(benchmark::State&)>& body) {
  try {
    body(state);
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
}

// Registers a benchmark with the settings every one here shares.
void add(const std::string& name, const std::function<void(benchmark::State&)>& body) {
  benchmark::RegisterBenchmark(name.c_str(), [body](benchmark::State& state) { guarded(state, body); })
      ->UseManualTime()
      ->Unit(benchmark::kMicrosecond)
      ->MinTime(0.05);
}

void register_copies() {
  add("copy/device_to_device/1GiB", [](benchmark::State& state) {
    const std::int64_t n = std::int64_t{1} << 28;
    Buffer a(n), b(n);
    time_kernel(state, [&] { cuda::copy_device_to_device(b.get(), a.get(), n * kF); }, 2 * n * kF, 0);
  });
  add("copy/host_to_device_pinned/256MiB", [](benchmark::State& state) {
    const std::size_t bytes = std::size_t{1} << 28;
    void* host = cuda::malloc_pinned(bytes);
    Buffer dev(static_cast<std::int64_t>(bytes / kF));
    time_kernel(state, [&] { cuda::copy_host_to_device(dev.get(), host, bytes); }, static_cast<double>(bytes), 0);
    cuda::free_pinned(host);
  });
}

void register_elementwise() {
  const std::int64_t n = 64LL * 56 * 56 * 144;  // an expanded MobileNetV2 activation, 116 MB
  add("elementwise/add", [n](benchmark::State& state) {
    Buffer a(n), b(n), c(n);
    time_kernel(state, [&] { cuda::add(n, a.get(), b.get(), c.get()); }, 3 * n * kF, 0);
  });
  struct Named {
    ActivationKind kind;
    const char* name;
  };
  for (const Named a : {Named{ActivationKind::relu6, "relu6"}, Named{ActivationKind::hswish, "hswish"},
                        Named{ActivationKind::swish, "swish"}}) {
    const ActivationKind kind = a.kind;
    const std::string name = a.name;
    add("elementwise/" + name + "/forward", [n, kind](benchmark::State& state) {
      Buffer x(n, -8.f, 8.f), y(n);
      time_kernel(state, [&] { cuda::activation(kind, n, x.get(), y.get()); }, 2 * n * kF, 0);
    });
    add("elementwise/" + name + "/backward", [n, kind](benchmark::State& state) {
      Buffer x(n, -8.f, 8.f), dy(n), dx(n);
      time_kernel(state, [&] { cuda::activation_backward<float>(kind, n, x.get(), nullptr, dy.get(), dx.get()); },
                  3 * n * kF, 0);
    });
  }
}

void register_batch_norm() {
  struct Case {
    std::int64_t rows, channels;
    const char* name;
  };
  for (const Case c : {Case{64 * 56 * 56, 144, "64x56x56x144"}, Case{64 * 112 * 112, 32, "64x112x112x32"},
                       Case{64 * 7 * 7, 960, "64x7x7x960"}}) {
    const std::int64_t n = c.rows * c.channels;
    const std::string tag = std::string("batch_norm/") + c.name;
    add(tag + "/stats", [c, n](benchmark::State& state) {
      Buffer x(n), mean(c.channels), var(c.channels);
      time_kernel(state, [&] { cuda::batch_norm_stats(c.rows, c.channels, x.get(), mean.get(), var.get()); },
                  n * kF, 0);
    });
    add(tag + "/forward", [c, n](benchmark::State& state) {
      Buffer x(n), y(n), mean(c.channels), var(c.channels, 0.5f, 2.f), gamma(c.channels), beta(c.channels);
      time_kernel(state, [&] {
        cuda::batch_norm_forward(c.rows, c.channels, x.get(), mean.get(), var.get(), gamma.get(), beta.get(), 1e-5f,
                                 ActivationKind::identity, y.get());
      }, 2 * n * kF, 0);
    });
    // The fused activation against BN followed by a separate activation pass.
    add(tag + "/forward+relu6_fused", [c, n](benchmark::State& state) {
      Buffer x(n), y(n), mean(c.channels), var(c.channels, 0.5f, 2.f), gamma(c.channels), beta(c.channels);
      time_kernel(state, [&] {
        cuda::batch_norm_forward(c.rows, c.channels, x.get(), mean.get(), var.get(), gamma.get(), beta.get(), 1e-5f,
                                 ActivationKind::relu6, y.get());
      }, 2 * n * kF, 0);
    });
    add(tag + "/forward+relu6_separate", [c, n](benchmark::State& state) {
      Buffer x(n), y(n), mean(c.channels), var(c.channels, 0.5f, 2.f), gamma(c.channels), beta(c.channels);
      time_kernel(state, [&] {
        cuda::batch_norm_forward(c.rows, c.channels, x.get(), mean.get(), var.get(), gamma.get(), beta.get(), 1e-5f,
                                 ActivationKind::identity, y.get());
        cuda::activation(ActivationKind::relu6, n, y.get(), y.get());
      }, 2 * n * kF, 0);
    });
    add(tag + "/backward", [c, n](benchmark::State& state) {
      Buffer x(n), dy(n), dx(n), mean(c.channels), var(c.channels, 0.5f, 2.f), gamma(c.channels), beta(c.channels);
      Buffer dgamma(c.channels), dbeta(c.channels);
      // The fewest bytes: x and dy read once, dx written once (the kernels read x and dy
      // twice: once for the sums, once for dx).
      time_kernel(state, [&] {
        cuda::batch_norm_backward(c.rows, c.channels, x.get(), dy.get(), mean.get(), var.get(), gamma.get(),
                                  beta.get(), 1e-5f, true, ActivationKind::identity, dx.get(), dgamma.get(),
                                  dbeta.get());
      }, 3 * n * kF, 0);
    });
    // The fused activation's backward (its derivative at the pre-activation recomputed
    // from x) against a separate activation backward pass over a kept BN output.
    add(tag + "/backward+relu6_fused", [c, n](benchmark::State& state) {
      Buffer x(n), dy(n), dx(n), mean(c.channels), var(c.channels, 0.5f, 2.f), gamma(c.channels), beta(c.channels);
      Buffer dgamma(c.channels), dbeta(c.channels);
      time_kernel(state, [&] {
        cuda::batch_norm_backward(c.rows, c.channels, x.get(), dy.get(), mean.get(), var.get(), gamma.get(),
                                  beta.get(), 1e-5f, true, ActivationKind::relu6, dx.get(), dgamma.get(),
                                  dbeta.get());
      }, 3 * n * kF, 0);
    });
    add(tag + "/backward+relu6_separate", [c, n](benchmark::State& state) {
      Buffer x(n), y(n), dy(n), dz(n), dx(n), mean(c.channels), var(c.channels, 0.5f, 2.f), gamma(c.channels),
          beta(c.channels);
      Buffer dgamma(c.channels), dbeta(c.channels);
      time_kernel(state, [&] {
        cuda::activation_backward<float>(ActivationKind::relu6, n, y.get(), nullptr, dz.get(), dy.get());
        cuda::batch_norm_backward(c.rows, c.channels, x.get(), dy.get(), mean.get(), var.get(), gamma.get(),
                                  beta.get(), 1e-5f, true, ActivationKind::identity, dx.get(), dgamma.get(),
                                  dbeta.get());
      }, 3 * n * kF, 0);
    });
  }
}

Conv2dShape conv(std::int64_t n, std::int64_t hw, std::int64_t cin, std::int64_t cout, std::int64_t k,
                 std::int64_t stride, std::int64_t groups) {
  return {.n = n, .in_h = hw, .in_w = hw, .in_c = cin, .out_c = cout, .kernel_h = k, .kernel_w = k,
          .stride = stride, .pad = k / 2, .groups = groups};
}

std::string conv_name(const Conv2dShape& s) {
  return std::to_string(s.n) + "x" + std::to_string(s.in_h) + "x" + std::to_string(s.in_w) + "x" +
         std::to_string(s.in_c) + "->" + std::to_string(s.out_c) + "_k" + std::to_string(s.kernel_h) + "s" +
         std::to_string(s.stride);
}

// Forward, backward-data and backward-weights of one convolution on one backend and
// precision, activations of E (float, or bf16 for the depthwise rows at bf16); depthwise
// ones report GB/s, the others TFLOP/s.
template <class E = float>
void register_conv(const std::string& family, const Conv2dShape& s, cuda::ConvBackend backend,
                   cuda::GemmPrecision precision) {
  const std::string tag = family + "/" + conv_name(s) + "/" + cuda::conv_backend_name(backend) + "/" +
                          cuda::gemm_precision_name(precision);
  const std::int64_t x_n = s.n * s.in_h * s.in_w * s.in_c, y_n = s.n * s.out_h() * s.out_w() * s.out_c;
  const std::int64_t w_n = s.out_c * s.kernel_h * s.kernel_w * (s.in_c / s.groups);
  const bool depthwise = cuda::is_depthwise(s);
  const double macs_per_output = static_cast<double>(s.kernel_h * s.kernel_w * s.in_c / s.groups);
  const double flops = 2.0 * static_cast<double>(y_n) * macs_per_output;
  const double bytes = depthwise ? static_cast<double>(x_n + y_n) * sizeof(E) + static_cast<double>(w_n) * kF : 0;
  using Activations = BufferOf<E>;
  auto with = [=](const std::function<void(benchmark::State&, const Activations&, const Buffer&, const Activations&)>&
                      body) {
    return [=](benchmark::State& state) {
      if (backend == cuda::ConvBackend::cudnn && !cuda::cudnn_available()) {
        state.SkipWithError("built without cuDNN");
        return;
      }
      cuda::set_gemm_precision(precision);
      // The tiled kernels are a per-shape choice, for this element type's passes; the
      // passes they lack stay native.
      if (backend == cuda::ConvBackend::native_tiled) {
        constexpr bool bf16_activations = std::is_same_v<E, bf16>;
        if (cuda::depthwise_tiled_forward_supported(s)) {
          cuda::set_conv_backend_for(s, cuda::ConvPass::forward, backend, bf16_activations);
          cuda::set_conv_backend_for(s, cuda::ConvPass::backward_weights, backend, bf16_activations);
        }
        if (cuda::depthwise_tiled_backward_data_supported(s))
          cuda::set_conv_backend_for(s, cuda::ConvPass::backward_data, backend, bf16_activations);
      } else {
        cuda::set_conv_backend(backend);
      }
      Activations x(x_n), y(y_n);
      Buffer w(w_n);
      body(state, x, w, y);
      cuda::set_conv_backend(cuda::ConvBackend::native);
      cuda::clear_conv_backend_choices();
      cuda::set_gemm_precision(cuda::GemmPrecision::fp32);
    };
  };
  add(tag + "/forward", with([=](benchmark::State& state, const Activations& x, const Buffer& w, const Activations& y) {
        time_kernel(state, [&] { cuda::conv2d_forward(s, x.get(), w.get(), nullptr, y.get()); }, bytes,
                    depthwise ? 0 : flops);
      }));
  add(tag + "/backward_data",
      with([=](benchmark::State& state, const Activations& dx, const Buffer& w, const Activations& dy) {
        time_kernel(state, [&] { cuda::conv2d_backward_data(s, dy.get(), w.get(), dx.get()); }, bytes,
                    depthwise ? 0 : flops);
      }));
  add(tag + "/backward_weights",
      with([=](benchmark::State& state, const Activations& x, const Buffer& dw, const Activations& dy) {
        time_kernel(state, [&] { cuda::conv2d_backward_weights(s, x.get(), dy.get(), dw.get(), nullptr); }, bytes,
                    depthwise ? 0 : flops);
      }));
}

void register_convolutions() {
  using cuda::ConvBackend;
  using cuda::GemmPrecision;
  // Depthwise: the hand-written kernels (one output per thread, and register-tiled)
  // against cuDNN at fp32 (no GEMM inside: tf32 would repeat it), and both hand-written
  // ones on bf16 activations.
  for (const Conv2dShape& s : {conv(64, 112, 96, 96, 3, 2, 96), conv(64, 56, 144, 144, 3, 1, 144),
                               conv(64, 28, 240, 240, 5, 1, 240), conv(64, 14, 480, 480, 7, 1, 480)})
    for (ConvBackend b : {ConvBackend::native, ConvBackend::native_tiled, ConvBackend::cudnn}) {
      register_conv("depthwise", s, b, GemmPrecision::fp32);
      // bf16 activations (precision bf16): the native and tiled kernels (cuDNN's bf16 path is not written).
      if (b != ConvBackend::cudnn) register_conv<bf16>("depthwise", s, b, GemmPrecision::bf16);
    }
  // 1x1 (a plain GEMM on the activations) and dense 3x3 (im2col + GEMM): cuBLAS against
  // cuDNN at each precision.
  for (const Conv2dShape& s : {conv(64, 56, 24, 144, 1, 1, 1), conv(64, 56, 144, 24, 1, 1, 1),
                               conv(64, 7, 960, 320, 1, 1, 1), conv(64, 224, 3, 32, 3, 2, 1),
                               conv(64, 56, 64, 64, 3, 1, 1)})
    for (GemmPrecision p : {GemmPrecision::fp32, GemmPrecision::tf32, GemmPrecision::bf16}) {
      register_conv(s.kernel_h == 1 ? "conv1x1" : "conv3x3", s, ConvBackend::native, p);
      // cuDNN rounds fp32 operands to tf32 at most: its bf16 row would repeat the tf32 one.
      if (p != GemmPrecision::bf16) register_conv(s.kernel_h == 1 ? "conv1x1" : "conv3x3", s, ConvBackend::cudnn, p);
    }
}

// Evaluation's conv + BN + ReLU6: folded (the weights scaled, one convolution with the
// bias and activation after it) against the convolution then BN + ReLU6 in one pass.
// GB/s counts the activations read and written once, the same for both rows.
void register_conv_bn_eval() {
  for (const Conv2dShape& s : {conv(64, 56, 24, 144, 1, 1, 1), conv(64, 56, 144, 144, 3, 1, 144)}) {
    const std::int64_t x_n = s.n * s.in_h * s.in_w * s.in_c, y_n = s.n * s.out_h() * s.out_w() * s.out_c;
    const std::int64_t per_out = s.kernel_h * s.kernel_w * (s.in_c / s.groups), c = s.out_c;
    const std::string tag = "conv_bn_eval/" + conv_name(s) + "+relu6";
    add(tag + "/folded", [=](benchmark::State& state) {
      Buffer x(x_n), w(c * per_out), folded_w(c * per_out), folded_b(c), y(y_n), gamma(c), beta(c), mean(c),
          var(c, 0.5f, 2.f);
      time_kernel(state, [&] {
        cuda::fold_batch_norm(c, per_out, w.get(), nullptr, gamma.get(), beta.get(), mean.get(), var.get(), 1e-5f,
                              folded_w.get(), folded_b.get());
        cuda::conv2d_forward_activation(s, x.get(), folded_w.get(), folded_b.get(), ActivationKind::relu6, y.get());
      }, (x_n + y_n) * kF, 0);
    });
    add(tag + "/unfolded", [=](benchmark::State& state) {
      Buffer x(x_n), w(c * per_out), y(y_n), z(y_n), gamma(c), beta(c), mean(c), var(c, 0.5f, 2.f);
      time_kernel(state, [&] {
        cuda::conv2d_forward(s, x.get(), w.get(), nullptr, y.get());
        cuda::batch_norm_forward(y_n / c, c, y.get(), mean.get(), var.get(), gamma.get(), beta.get(), 1e-5f,
                                 ActivationKind::relu6, z.get());
      }, (x_n + y_n) * kF, 0);
    });
  }
}

void register_others() {
  add("linear/256x1280->1000/forward", [](benchmark::State& state) {
    const std::int64_t n = 256, k = 1280, o = 1000;
    Buffer x(n * k), w(o * k), b(o), y(n * o);
    time_kernel(state, [&] { cuda::linear_forward(n, k, o, x.get(), w.get(), b.get(), y.get()); }, 0,
                2.0 * n * k * o);
  });
  add("cross_entropy/256x1000/forward+backward", [](benchmark::State& state) {
    const std::int64_t rows = 256, classes = 1000;
    Buffer logits(rows * classes, -4.f, 4.f), lse(rows), loss(1), grad(1, 1.f, 1.f), dlogits(rows * classes);
    std::vector<std::int64_t> labels(rows);
    for (std::int64_t r = 0; r < rows; ++r) labels[static_cast<std::size_t>(r)] = r % classes;
    auto* y = static_cast<std::int64_t*>(cuda::malloc_device(rows * sizeof(std::int64_t)));
    cuda::copy_host_to_device(y, labels.data(), rows * sizeof(std::int64_t));
    time_kernel(state, [&] {
      cuda::softmax_cross_entropy(rows, classes, logits.get(), y, 0.1f, lse.get(), loss.get());
      cuda::softmax_cross_entropy_backward(rows, classes, logits.get(), y, lse.get(), 0.1f, grad.get(), dlogits.get());
    }, 3.0 * rows * classes * kF, 0);
    cuda::free_device(y);
  });
  add("pool/global_avg/64x7x7x1280", [](benchmark::State& state) {
    const std::int64_t n = 64, hw = 49, c = 1280;
    Buffer x(n * hw * c), y(n * c);
    time_kernel(state, [&] { cuda::global_avg_pool_forward(n, hw, c, x.get(), y.get()); }, n * hw * c * kF, 0);
  });
  // MobileNetV2's 3.5 M parameters as one flat array: one update reads w, g and the state
  // and writes w and the state.
  const std::int64_t params = 3504872;
  add("optimizer/sgd_nesterov/3.5M", [params](benchmark::State& state) {
    Buffer w(params), g(params), buf(params);
    time_kernel(state, [&] { cuda::sgd_update(params, w.get(), g.get(), buf.get(), 1e-3f, 0.9f, 4e-5f, true, false); },
                5.0 * params * kF, 0);
  });
  // The same parameters as a network holds them: 52 weight tensors and 106 BN/bias vectors
  // (MobileNetV2's 158), updated one launch per tensor or by the multi-tensor kernel.
  for (const bool many : {false, true})
    add(std::string("optimizer/sgd_nesterov/3.5M_in_158/") + (many ? "multi_tensor" : "per_tensor"),
        [params, many](benchmark::State& state) {
          Buffer w(params), g(params), buf(params);
          std::vector<autospace::kernels::SgdTensor> tensors;
          const std::int64_t small = 480, large = (params - 106 * small) / 52;
          std::int64_t offset = 0;
          for (int i = 0; i < 158; ++i) {
            const std::int64_t n = i < 52 ? large : small;
            tensors.push_back({w.get() + offset, g.get() + offset, buf.get() + offset, n, 1e-3f, 4e-5f, false});
            offset += n;
          }
          time_kernel(state, [&] {
            if (many) return cuda::sgd_update_many(static_cast<std::int64_t>(tensors.size()), tensors.data(), 0.9f, true, nullptr);
            for (const auto& t : tensors) cuda::sgd_update(t.n, t.w, t.g, t.buf, t.lr, 0.9f, t.weight_decay, true, false);
          }, 5.0 * static_cast<double>(offset) * kF, 0);
        });
  add("optimizer/adam/3.5M", [params](benchmark::State& state) {
    Buffer w(params), g(params), m(params), v(params, 0.f, 1.f);
    time_kernel(state, [&] {
      const autospace::kernels::AdamTensor t{w.get(), g.get(), m.get(), v.get(), params, 1e-3f, 0.f, 10};
      cuda::adam_update_many(1, &t, 0.9f, 0.999f, 1e-8f);
    }, 7.0 * params * kF, 0);
  });
  add("optimizer/sum_of_squares/3.5M", [params](benchmark::State& state) {
    Buffer g(params), norm(1);
    const float* p = g.get();
    time_kernel(state, [&] { cuda::gradient_norm(1, &p, &params, norm.get(), 0.0, nullptr); }, params * kF, 0);
  });
}

void register_train_steps() {
  using namespace autospace;
  struct Config {
    int resolution, batch, classes, stem_stride;
  };
  // Each configuration on the native convolutions; the 224 ones also autotuned (per shape
  // and pass the fastest validated backend, measured in the warm-up steps).
  for (const Config c : {Config{224, 64, 1000, 2}, Config{32, 128, 10, 1}})
    for (cuda::GemmPrecision p : {cuda::GemmPrecision::fp32, cuda::GemmPrecision::tf32, cuda::GemmPrecision::bf16})
      for (const ops::ConvBackendSetting backend :
           {ops::ConvBackendSetting::native, ops::ConvBackendSetting::autotune}) {
        // bf16: bf16 activations (the input cast); autotuned, their depthwise passes choose
        // between the native and the tiled kernels (cuDNN serves float only).
        const bool bf16 = p == cuda::GemmPrecision::bf16;
        if (backend == ops::ConvBackendSetting::autotune && c.resolution != 224) continue;
        const std::string name = "train_step/mobilenet_v2/" + std::to_string(c.resolution) + "/batch" +
                                 std::to_string(c.batch) + "/" + cuda::gemm_precision_name(p) +
                                 (backend == ops::ConvBackendSetting::autotune ? "/autotune" : "");
        benchmark::RegisterBenchmark(
            name.c_str(),
            [c, p, backend, bf16](benchmark::State& state) {
              guarded(state, [&](benchmark::State& state) {
                cuda::set_gemm_precision(p);
                ops::set_conv_backend_setting(backend, "");  // choices in memory: measured afresh
                auto net = bench::make_mobilenet_v2({c.classes, c.stem_stride, 0.2f});
                net->initialize(1);
                net->train();
                net->to(Device::cuda());
                const auto groups = nn::split_weight_decay(net->named_parameters());
                optim::SGD sgd({{groups.decay, 4e-5f, 1.f}, {groups.no_decay, 0.f, 1.f}}, {0.9f, true});
                const Tensor x = random_normal({c.batch, c.resolution, c.resolution, 3}, {1, RngPurpose::test, 0, 0})
                                     .to(bf16 ? DType::bf16 : DType::f32)
                                     .to(Device::cuda());
                std::vector<std::int64_t> y(static_cast<std::size_t>(c.batch));
                for (int i = 0; i < c.batch; ++i) y[static_cast<std::size_t>(i)] = (i * 7) % c.classes;
                const Tensor labels = Tensor::from_int64(y, {c.batch}).to(Device::cuda());
                std::uint32_t step = 0;
                auto train_step = [&] {
                  nn::set_rng_step(*net, 0, step++);
                  const Tensor loss = ops::softmax_cross_entropy(net->forward(x), labels, 0.1f);
                  loss.backward();
                  sgd.step(0.05f);
                  sgd.zero_grad();
                  return loss.item();
                };
                for (int i = 0; i < 3; ++i) train_step();  // allocator, handles, cuDNN/cuBLAS plans
                for (auto _ : state) benchmark::DoNotOptimize(train_step());
                state.SetItemsProcessed(state.iterations() * c.batch);
              });
              cuda::set_gemm_precision(cuda::GemmPrecision::fp32);
              ops::set_conv_backend_setting(ops::ConvBackendSetting::native);
            })
            ->UseRealTime()
            ->Unit(benchmark::kMillisecond)
            ->MinTime(2.0);
      }
}

// The evaluation forward (eval mode, no gradient, BN folded) launched kernel by kernel from
// the host against the same forward replayed from a CUDA graph (nn::GraphedForward), at
// batch 1, where launching is most of the time (the latency tables' case), and batch 64.
// Each forward ends in its logits read back, as a latency measurement's does.
void register_eval_forwards() {
  using namespace autospace;
  for (const int batch : {1, 64})
    for (const bool graphed : {false, true}) {
      const std::string name = "eval_forward/mobilenet_v2/224/batch" + std::to_string(batch) + "/fp32/" +
                               (graphed ? "graph" : "eager");
      benchmark::RegisterBenchmark(name.c_str(),
                                   [batch, graphed](benchmark::State& state) {
                                     guarded(state, [&](benchmark::State& state) {
                                       auto net = bench::make_mobilenet_v2({1000, 2, 0.2f});
                                       net->initialize(1);
                                       net->eval();
                                       net->to(Device::cuda());
                                       const NoGradGuard no_grad;
                                       const Tensor x = random_normal({batch, 224, 224, 3}, {1, RngPurpose::test, 0, 0})
                                                            .to(Device::cuda());
                                       nn::GraphedForward forward(*net, graphed);
                                       for (int i = 0; i < 3; ++i) forward(x).to(Device::cpu());
                                       for (auto _ : state) benchmark::DoNotOptimize(forward(x).to(Device::cpu()));
                                       state.SetItemsProcessed(state.iterations() * batch);
                                       if (graphed && forward.recordings() != 1)
                                         state.SkipWithError("the forward was not replayed from one graph");
                                     });
                                   })
          ->UseRealTime()
          ->Unit(benchmark::kMillisecond)
          ->MinTime(1.0);
    }
}

// ProxylessNAS-mobile (nas::Backbone's default: 224x224, 1000 classes), batch 64, the DEA
// settings of configs/evolve/imagenet-mobile.json.
void register_supernet_steps() {
  using namespace autospace;
  constexpr int kBatch = 64;
  struct Inputs {
    Tensor x, labels;
  };
  const auto inputs = [](const nas::Backbone& b) {
    std::vector<std::int64_t> y(kBatch);
    for (int i = 0; i < kBatch; ++i) y[static_cast<std::size_t>(i)] = (i * 7) % b.net.classes;
    return Inputs{random_normal({kBatch, b.net.resolution, b.net.resolution, 3}, {1, RngPurpose::test, 0, 0})
                      .to(Device::cuda()),
                  Tensor::from_int64(y, {kBatch}).to(Device::cuda())};
  };
  const auto dea = [] {
    nas::DeaSettings s;
    s.population = 64;
    s.supernet_cells = 9;
    s.children = 4;
    s.tournament = 16;
    s.top_k = 6;
    s.cap.kind = nas::CapRule::Kind::reference;
    s.cap.factor = 2.0;
    return s;
  };
  const auto timed = [](benchmark::State& state, const std::function<double()>& step) {
    for (int i = 0; i < 3; ++i) step();  // allocator, handles, cuBLAS plans, first use of each slot
    for (auto _ : state) benchmark::DoNotOptimize(step());
    state.SetItemsProcessed(state.iterations() * kBatch);
  };
  const auto supernet_step = [](const char* name, const std::function<void(benchmark::State&)>& body) {
    benchmark::RegisterBenchmark(name, [body](benchmark::State& state) { guarded(state, body); })
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond)
        ->MinTime(2.0);
  };
  supernet_step("supernet_step/dea/mobile224/batch64", [=](benchmark::State& state) {
    const nas::Backbone backbone;
    const Inputs in = inputs(backbone);
    nas::Evolution evo(backbone, dea(), 1, 1 << 30, Device::cuda());
    timed(state, [&] { return evo.weight_step(in.x, in.labels, 0.05f).loss(); });
  });
  supernet_step("supernet_step/sampled/mobile224/batch64", [=](benchmark::State& state) {
    const nas::Backbone backbone;
    const Inputs in = inputs(backbone);
    nas::Evolution evo(backbone, dea(), 1, 1 << 30, Device::cuda());
    evo.weight_step(in.x, in.labels, 0.05f);  // samples the pairs
    std::vector<nas::Block> active;
    for (std::size_t l = 0; l < evo.supernet().layers(); ++l)
      active.push_back(evo.supernet().candidates(l)[evo.supernet().gate(l).active()]);
    const nas::Arch arch = nas::make_arch(backbone, active, "sampled");
    if (const char* file = std::getenv("AUTOSPACE_SAMPLED_ARCH")) nas::save_arch(file, arch);
    auto net = nas::build_network(arch, 1);
    net->to(Device::cuda());
    net->train();
    const auto groups = nn::split_weight_decay(net->named_parameters());
    optim::SGD sgd({{groups.decay, 4e-5f, 1.f}, {groups.no_decay, 0.f, 1.f}}, {0.9f, true});
    timed(state, [&] {
      const Tensor loss = ops::softmax_cross_entropy(net->forward(in.x), in.labels);
      loss.backward();
      sgd.step(0.05f);
      sgd.zero_grad();
      return loss.item();
    });
  });
  supernet_step("supernet_step/proxyless_g/mobile224/batch64", [=](benchmark::State& state) {
    const nas::Backbone backbone;
    const Inputs in = inputs(backbone);
    const nas::IrbSpace space(backbone, nas::IrbChoices{}, true);
    const nas::SpaceTable table(space);
    nas::GatedSearchSettings s;
    s.budget.target = static_cast<double>(table.min_cost(nas::CostKind::madds) + table.max_cost(nas::CostKind::madds)) / 2;
    nas::GatedSearch search(table, s, 1, Device::cuda());
    timed(state, [&] { return search.weight_step(in.x, in.labels, 0.05f).loss(); });
  });
}

}  // namespace

int main(int argc, char** argv) {
  std::string why;
  if (cuda::device_count(&why) == 0) {
    std::printf("bench_cuda_kernels: no GPU (%s); nothing to measure\n", why.c_str());
    return 0;
  }
  const cuda::DeviceInfo& info = cuda::device_info();
  std::printf("device: %s, %d SMs, compute %d.%d, %.1f GiB, L2 %.0f MiB, driver %d, runtime %d, cuDNN backend %s\n",
              info.name.c_str(), info.multiprocessors, info.compute_major, info.compute_minor,
              static_cast<double>(info.global_memory_bytes) / (1 << 30),
              static_cast<double>(info.l2_bytes) / (1 << 20), info.driver_version, info.runtime_version,
              cuda::cudnn_available() ? "built" : "absent");
  register_copies();
  register_elementwise();
  register_batch_norm();
  register_convolutions();
  register_conv_bn_eval();
  register_others();
  register_train_steps();
  register_eval_forwards();
  register_supernet_steps();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
