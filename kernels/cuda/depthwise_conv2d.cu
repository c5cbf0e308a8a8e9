#include "kernels/cuda/depthwise_conv2d.h"

#include "kernels/cuda/activation.cuh"
#include "kernels/cuda/reduce.cuh"

namespace autospace::kernels::cuda {

bool is_depthwise(const Conv2dShape& s) { return s.groups > 1 && s.groups == s.in_c && s.out_c == s.in_c; }

namespace {

// Kernel extent along one axis: the template's when unrolled (K > 0), else the shape's.
template <int K> __host__ __device__ inline std::int64_t extent(std::int64_t runtime) { return K > 0 ? K : runtime; }

// wt[(kh * kw_n + kw) * C + c] = w[(c * kh_n + kh) * kw_n + kw]
void transpose_weights(const Conv2dShape& s, const float* w, float* wt) {
  const std::int64_t taps = s.kernel_h * s.kernel_w, c_n = s.in_c;
  launch_map(c_n * taps, [=] __device__(auto i) {
    using I = decltype(i);
    const I c = i % static_cast<I>(c_n), t = i / static_cast<I>(c_n);
    wt[i] = w[c * static_cast<I>(taps) + t];
  });
}

// An element's offset in 64 bits. The index type I is picked from the count of the
// elements a kernel writes, and the tensor it reads can be larger: a stride-2 input holds
// four times its output, a data gradient's dy more than dx where the padding is wide.
__device__ inline std::int64_t nhwc_offset(std::int64_t n, std::int64_t h, std::int64_t w, std::int64_t c,
                                           std::int64_t h_n, std::int64_t w_n, std::int64_t c_n) {
  return ((n * h_n + h) * w_n + w) * c_n + c;
}

template <int K, class T>
void forward(const Conv2dShape& s, const T* x, const float* wt, const float* bias, ActivationKind act, T* y) {
  const std::int64_t oh_n = s.out_h(), ow_n = s.out_w();
  launch_map(s.n * oh_n * ow_n * s.in_c, [=] __device__(auto i) {
    using I = decltype(i);
    const I c_n = static_cast<I>(s.in_c), h_n = static_cast<I>(s.in_h), w_n = static_cast<I>(s.in_w);
    const I c = i % c_n;
    I rest = i / c_n;
    const I ow = rest % static_cast<I>(ow_n);
    rest /= static_cast<I>(ow_n);
    const I oh = rest % static_cast<I>(oh_n), n = rest / static_cast<I>(oh_n);
    const I ih0 = oh * static_cast<I>(s.stride) - static_cast<I>(s.pad);
    const I iw0 = ow * static_cast<I>(s.stride) - static_cast<I>(s.pad);
    const I kh_n = static_cast<I>(extent<K>(s.kernel_h)), kw_n = static_cast<I>(extent<K>(s.kernel_w));
    float acc = bias ? bias[c] : 0.0f;
#pragma unroll
    for (I kh = 0; kh < kh_n; ++kh) {
      const I ih = ih0 + kh;
      if (ih < 0 || ih >= h_n) continue;
#pragma unroll
      for (I kw = 0; kw < kw_n; ++kw) {
        const I iw = iw0 + kw;
        if (iw < 0 || iw >= w_n) continue;
        acc += to_float(x[nhwc_offset(n, ih, iw, c, h_n, w_n, c_n)]) * wt[(kh * kw_n + kw) * c_n + c];
      }
    }
    y[i] = from_float<T>(activate(act, acc));
  });
}

// S > 0: the stride as a compile-time constant (1 and 2, the mobile spaces' strides), so
// that the per-tap divisibility test and division below compile to nothing or to shifts
// instead of run-time integer division, which dominated this kernel.
template <int K, int S, class T> void backward_data(const Conv2dShape& s, const T* dy, const float* wt, T* dx) {
  const std::int64_t oh_n = s.out_h(), ow_n = s.out_w();
  launch_map(s.n * s.in_h * s.in_w * s.in_c, [=] __device__(auto i) {
    using I = decltype(i);
    const I c_n = static_cast<I>(s.in_c), pad = static_cast<I>(s.pad);
    const I stride = S > 0 ? static_cast<I>(S) : static_cast<I>(s.stride);
    const I c = i % c_n;
    I rest = i / c_n;
    const I iw = rest % static_cast<I>(s.in_w);
    rest /= static_cast<I>(s.in_w);
    const I ih = rest % static_cast<I>(s.in_h), n = rest / static_cast<I>(s.in_h);
    const I kh_n = static_cast<I>(extent<K>(s.kernel_h)), kw_n = static_cast<I>(extent<K>(s.kernel_w));
    float acc = 0.0f;
#pragma unroll
    for (I kh = 0; kh < kh_n; ++kh) {
      const I oh_s = ih + pad - kh;  // oh * stride
      if (oh_s < 0 || oh_s % stride != 0 || oh_s / stride >= static_cast<I>(oh_n)) continue;
      const I oh = oh_s / stride;
#pragma unroll
      for (I kw = 0; kw < kw_n; ++kw) {
        const I ow_s = iw + pad - kw;
        if (ow_s < 0 || ow_s % stride != 0 || ow_s / stride >= static_cast<I>(ow_n)) continue;
        const I ow = ow_s / stride;
        acc += to_float(dy[nhwc_offset(n, oh, ow, c, oh_n, ow_n, c_n)]) * wt[(kh * kw_n + kw) * c_n + c];
      }
    }
    dx[i] = from_float<T>(acc);
  });
}

constexpr int kRows = 8;  // threads across output positions per block; 32 across channels

// A block's kRows rows of threads added per tap in shared memory, in a fixed order:
// out[t * C + c] = the block's sum of acc[t] over its rows, for channel c (when c < C).
template <int kTaps> __device__ void store_tap_partials(const float (&acc)[kTaps], std::int64_t c, std::int64_t c_n,
                                                        float* out) {
  __shared__ float shared[kRows][kWarp + 1];
#pragma unroll
  for (int t = 0; t < kTaps; ++t) {
    shared[threadIdx.y][threadIdx.x] = acc[t];
    __syncthreads();
    if (threadIdx.y == 0 && c < c_n) {
      float sum = 0.0f;
      for (int y = 0; y < kRows; ++y) sum += shared[y][threadIdx.x];
      out[t * c_n + c] = sum;
    }
    __syncthreads();
  }
}

// How many chunks of `work` items (rows, or tiles of rows) a weight-gradient launch of
// `blocks_per_chunk` blocks per chunk splits into: enough blocks to fill the device, each
// thread of a block's kRows taking at least min_per_thread and at most max_per_thread
// items, so that its float accumulators stay accurate (the chunks are then added in double).
std::int64_t weight_chunks(std::int64_t work, std::int64_t blocks_per_chunk, std::int64_t min_per_thread,
                           std::int64_t max_per_thread, const char* what) {
  const std::int64_t target = 8 * static_cast<std::int64_t>(multiprocessor_count());
  std::int64_t chunks = (target + blocks_per_chunk - 1) / blocks_per_chunk;
  const std::int64_t fewest = (work + max_per_thread * kRows - 1) / (max_per_thread * kRows);
  const std::int64_t most = (work + min_per_thread * kRows - 1) / (min_per_thread * kRows);
  chunks = chunks > most ? most : chunks;
  chunks = chunks < fewest ? fewest : chunks;
  chunks = chunks < 1 ? 1 : chunks;
  AUTOSPACE_CHECK(chunks <= 65535, what, ": ", work, " work items are too many");
  return chunks;
}

// Each block sums, for 32 channels and every tap, dy * x over a chunk of output
// positions: partial[(chunk * taps + tap) * C + c]. With K = 0 the kernel size is a
// run-time value and each block handles the single tap blockIdx.z.
template <int K, class T>
__global__ void weights_partial_kernel(Conv2dShape s, std::int64_t chunk_rows, const T* x, const T* dy,
                                       float* partial) {
  constexpr int kTaps = K > 0 ? K * K : 1;
  const std::int64_t c_n = s.in_c, oh_n = s.out_h(), ow_n = s.out_w(), rows = s.n * oh_n * ow_n;
  const std::int64_t kw_n = extent<K>(s.kernel_w), taps = K > 0 ? kTaps : s.kernel_h * s.kernel_w;
  const std::int64_t first_tap = K > 0 ? 0 : blockIdx.z;
  const std::int64_t c = static_cast<std::int64_t>(blockIdx.x) * kWarp + threadIdx.x;
  const std::int64_t r0 = static_cast<std::int64_t>(blockIdx.y) * chunk_rows;
  const std::int64_t r1 = r0 + chunk_rows < rows ? r0 + chunk_rows : rows;
  float acc[kTaps];
#pragma unroll
  for (int t = 0; t < kTaps; ++t) acc[t] = 0.0f;
  if (c < c_n)
    for (std::int64_t r = r0 + threadIdx.y; r < r1; r += kRows) {
      const std::int64_t ow = r % ow_n, oh = r / ow_n % oh_n, n = r / (ow_n * oh_n);
      const float g = to_float(dy[r * c_n + c]);
#pragma unroll
      for (int t = 0; t < kTaps; ++t) {
        const std::int64_t tap = first_tap + t;
        const std::int64_t ih = oh * s.stride - s.pad + tap / kw_n, iw = ow * s.stride - s.pad + tap % kw_n;
        if (ih >= 0 && ih < s.in_h && iw >= 0 && iw < s.in_w)
          acc[t] += g * to_float(x[((n * s.in_h + ih) * s.in_w + iw) * c_n + c]);
      }
    }
  store_tap_partials<kTaps>(acc, c, c_n, partial + (blockIdx.y * taps + first_tap) * c_n);
}

// dw[c, tap] = the chunks' partials (partial[(chunk * taps + tap) * C + c]) added in double,
// in chunk order.
void add_weight_partials(const Conv2dShape& s, std::int64_t chunks, const float* p, float* dw) {
  const std::int64_t c_n = s.in_c, taps = s.kernel_h * s.kernel_w;
  launch_map(c_n * taps, [=] __device__(auto i) {
    const std::int64_t c = i / taps, tap = i % taps;
    double sum = 0.0;
    for (std::int64_t j = 0; j < chunks; ++j) sum += p[(j * taps + tap) * c_n + c];
    dw[i] = static_cast<float>(sum);
  });
}

template <int K, class T> void backward_weights(const Conv2dShape& s, const T* x, const T* dy, float* dw) {
  const std::int64_t rows = s.n * s.out_h() * s.out_w(), c_n = s.in_c, taps = s.kernel_h * s.kernel_w;
  const std::int64_t col_tiles = (c_n + kWarp - 1) / kWarp;
  const std::int64_t z = K > 0 ? 1 : taps;
  // 8 to 256 output positions per thread.
  const std::int64_t chunks = weight_chunks(rows, col_tiles * z, 8, 256, "depthwise_conv2d_backward_weights");
  const std::int64_t chunk_rows = (rows + chunks - 1) / chunks;
  Scratch partial(static_cast<std::size_t>(chunks * taps * c_n) * sizeof(float));
  float* p = partial.as<float>();
  const dim3 grid(static_cast<unsigned>(col_tiles), static_cast<unsigned>(chunks), static_cast<unsigned>(z));
  weights_partial_kernel<K, T><<<grid, dim3(kWarp, kRows), 0, compute_stream()>>>(s, chunk_rows, x, dy, p);
  AUTOSPACE_CUDA_CHECK_LAUNCH();
  add_weight_partials(s, chunks, p, dw);
}

// Calls f(std::integral_constant<int, K>) with K the unrolled kernel size, or 0.
template <class F> void dispatch_kernel_size(const Conv2dShape& s, F&& f) {
  if (s.kernel_h == s.kernel_w) {
    switch (s.kernel_h) {
      case 1: return f(std::integral_constant<int, 1>{});
      case 3: return f(std::integral_constant<int, 3>{});
      case 5: return f(std::integral_constant<int, 5>{});
      case 7: return f(std::integral_constant<int, 7>{});
      default: break;
    }
  }
  f(std::integral_constant<int, 0>{});
}

// y[n, oh, ow0 + t, c] for t < T: the K x K weights of channel c in registers, and for each
// kernel row the (T - 1) * S + K input columns the tile reads, loaded once (zeros outside
// the image: a padded tap adds 0 * w, as the one-per-thread kernel skips it). One grid-
// stride item per (n, oh, column tile, c), channels fastest so that a warp's loads of one
// input position coalesce across 32 channels. With D = 2 the input is x dilated by two
// (a zero between neighbours, as the stride-2 data gradient sees dy): s.in_h x s.in_w is the
// dilated size, x holds its even positions.
template <int K, int S, int T, int D, class E>
__global__ void forward_tiled_kernel(Conv2dShape s, const E* x, const float* wt, const float* bias,
                                     ActivationKind act, E* y) {
  constexpr int kSpan = (T - 1) * S + K;
  const std::int64_t c_n = s.in_c, h_n = s.in_h, w_n = s.in_w, oh_n = s.out_h(), ow_n = s.out_w();
  const std::int64_t stored_h = (h_n + D - 1) / D, stored_w = (w_n + D - 1) / D;
  const std::int64_t tiles = (ow_n + T - 1) / T, items = s.n * oh_n * tiles * c_n;
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < items;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const std::int64_t c = i % c_n;
    std::int64_t rest = i / c_n;
    const std::int64_t tile = rest % tiles;
    rest /= tiles;
    const std::int64_t oh = rest % oh_n, n = rest / oh_n;
    const std::int64_t ow0 = tile * T, iw0 = ow0 * S - s.pad;
    float w[K * K];
#pragma unroll
    for (int t = 0; t < K * K; ++t) w[t] = wt[t * c_n + c];
    float acc[T];
#pragma unroll
    for (int t = 0; t < T; ++t) acc[t] = bias ? bias[c] : 0.0f;
#pragma unroll
    for (int kh = 0; kh < K; ++kh) {
      const std::int64_t ih = oh * S - s.pad + kh;
      if (ih < 0 || ih >= h_n || ih % D != 0) continue;
      const E* row = x + (n * stored_h + ih / D) * stored_w * c_n + c;
      float in[kSpan];
#pragma unroll
      for (int j = 0; j < kSpan; ++j) {
        const std::int64_t iw = iw0 + j;
        in[j] = iw >= 0 && iw < w_n && iw % D == 0 ? to_float(row[iw / D * c_n]) : 0.0f;
      }
#pragma unroll
      for (int t = 0; t < T; ++t)
#pragma unroll
        for (int kw = 0; kw < K; ++kw) acc[t] += in[t * S + kw] * w[kh * K + kw];
    }
    E* out = y + ((n * oh_n + oh) * ow_n + ow0) * c_n + c;
#pragma unroll
    for (int t = 0; t < T; ++t)
      if (ow0 + t < ow_n) out[t * c_n] = from_float<E>(activate(act, acc[t]));
  }
}

template <int K, int S, int D = 1, class E>
void forward_tiled(const Conv2dShape& s, const E* x, const float* wt, const float* bias, ActivationKind act, E* y) {
  const std::int64_t items = s.n * s.out_h() * ((s.out_w() + kDepthwiseTile - 1) / kDepthwiseTile) * s.in_c;
  forward_tiled_kernel<K, S, kDepthwiseTile, D, E>
      <<<grid_for(items), kBlock, 0, compute_stream()>>>(s, x, wt, bias, act, y);
  AUTOSPACE_CUDA_CHECK_LAUNCH();
}

// wt[(kh * K + kw) * C + c] = w[c, K - 1 - kh, K - 1 - kw]: the flipped kernel, transposed.
void transpose_flipped_weights(const Conv2dShape& s, const float* w, float* wt) {
  const std::int64_t kh_n = s.kernel_h, kw_n = s.kernel_w, taps = kh_n * kw_n, c_n = s.in_c;
  launch_map(c_n * taps, [=] __device__(auto i) {
    using I = decltype(i);
    const I c = i % static_cast<I>(c_n), t = i / static_cast<I>(c_n);
    const I kh = t / static_cast<I>(kw_n), kw = t % static_cast<I>(kw_n);
    wt[i] = w[c * static_cast<I>(taps) + (static_cast<I>(kh_n) - 1 - kh) * static_cast<I>(kw_n) +
              (static_cast<I>(kw_n) - 1 - kw)];
  });
}

// Calls f(std::integral_constant<int, K>, std::integral_constant<int, S>) for the tiled
// kernels' kernel sizes and strides.
template <class F> void dispatch_tiled(const Conv2dShape& s, F&& f) {
  const auto with_stride = [&](auto k) {
    if (s.stride == 1) return f(k, std::integral_constant<int, 1>{});
    f(k, std::integral_constant<int, 2>{});
  };
  switch (s.kernel_h) {
    case 3: return with_stride(std::integral_constant<int, 3>{});
    case 5: return with_stride(std::integral_constant<int, 5>{});
    default: return with_stride(std::integral_constant<int, 7>{});
  }
}

// The weight gradient, register-tiled: a block takes 32 channels (threadIdx.x) and a chunk
// of work items, each one (n, oh, tile of T output columns). Per item a thread loads its T
// values of dy once and, for each kernel row, the input row segment of the tile once, and
// adds the K x K products into its registers: (T + K * ((T - 1) * S + K)) loads for T
// outputs' K * K taps, against T * (1 + K * K) one position at a time, and the position's
// divisions once per tile. Partials as weights_partial_kernel writes them.
template <int K, int S, int T, class E>
__global__ void weights_partial_tiled_kernel(Conv2dShape s, std::int64_t chunk_items, const E* x, const E* dy,
                                             float* partial) {
  constexpr int kTaps = K * K, kSpan = (T - 1) * S + K;
  const std::int64_t c_n = s.in_c, h_n = s.in_h, w_n = s.in_w, oh_n = s.out_h(), ow_n = s.out_w();
  const std::int64_t tiles = (ow_n + T - 1) / T, items = s.n * oh_n * tiles;
  const std::int64_t c = static_cast<std::int64_t>(blockIdx.x) * kWarp + threadIdx.x;
  const std::int64_t i0 = static_cast<std::int64_t>(blockIdx.y) * chunk_items;
  const std::int64_t i1 = i0 + chunk_items < items ? i0 + chunk_items : items;
  float acc[kTaps];
#pragma unroll
  for (int t = 0; t < kTaps; ++t) acc[t] = 0.0f;
  if (c < c_n)
    for (std::int64_t i = i0 + threadIdx.y; i < i1; i += kRows) {
      const std::int64_t tile = i % tiles, rest = i / tiles;
      const std::int64_t oh = rest % oh_n, n = rest / oh_n;
      const std::int64_t ow0 = tile * T, iw0 = ow0 * S - s.pad;
      const E* g_row = dy + ((n * oh_n + oh) * ow_n + ow0) * c_n + c;
      float g[T];
#pragma unroll
      for (int t = 0; t < T; ++t) g[t] = ow0 + t < ow_n ? to_float(g_row[t * c_n]) : 0.0f;
#pragma unroll
      for (int kh = 0; kh < K; ++kh) {
        const std::int64_t ih = oh * S - s.pad + kh;
        if (ih < 0 || ih >= h_n) continue;
        const E* row = x + (n * h_n + ih) * w_n * c_n + c;
        float in[kSpan];
#pragma unroll
        for (int j = 0; j < kSpan; ++j) {
          const std::int64_t iw = iw0 + j;
          in[j] = iw >= 0 && iw < w_n ? to_float(row[iw * c_n]) : 0.0f;
        }
#pragma unroll
        for (int t = 0; t < T; ++t)
#pragma unroll
          for (int kw = 0; kw < K; ++kw) acc[kh * K + kw] += g[t] * in[t * S + kw];
      }
    }
  store_tap_partials<kTaps>(acc, c, c_n, partial + blockIdx.y * kTaps * c_n);
}

template <int K, int S, class E> void backward_weights_tiled(const Conv2dShape& s, const E* x, const E* dy, float* dw) {
  constexpr int T = kDepthwiseTile;
  const std::int64_t items = s.n * s.out_h() * ((s.out_w() + T - 1) / T), c_n = s.in_c;
  const std::int64_t col_tiles = (c_n + kWarp - 1) / kWarp;
  // 2 to 64 tiles (8 to 256 output positions) per thread, as the untiled kernel.
  const std::int64_t chunks = weight_chunks(items, col_tiles, 2, 64, "depthwise_conv2d_backward_weights_tiled");
  const std::int64_t chunk_items = (items + chunks - 1) / chunks;
  Scratch partial(static_cast<std::size_t>(chunks * K * K * c_n) * sizeof(float));
  const dim3 grid(static_cast<unsigned>(col_tiles), static_cast<unsigned>(chunks));
  weights_partial_tiled_kernel<K, S, T, E>
      <<<grid, dim3(kWarp, kRows), 0, compute_stream()>>>(s, chunk_items, x, dy, partial.as<float>());
  AUTOSPACE_CUDA_CHECK_LAUNCH();
  add_weight_partials(s, chunks, partial.as<float>(), dw);
}

}  // namespace

bool depthwise_tiled_forward_supported(const Conv2dShape& s) {
  return is_depthwise(s) && s.kernel_h == s.kernel_w && (s.kernel_h == 3 || s.kernel_h == 5 || s.kernel_h == 7) &&
         (s.stride == 1 || s.stride == 2);
}

bool depthwise_tiled_backward_data_supported(const Conv2dShape& s) {
  // dx is the flipped kernel slid over dy (dilated by the stride) with padding K - 1 - pad,
  // which must not be negative.
  return depthwise_tiled_forward_supported(s) && s.pad <= s.kernel_h - 1;
}

template <class T>
void depthwise_conv2d_forward_tiled(const Conv2dShape& s, const T* x, const float* w, const float* bias, T* y,
                                    ActivationKind activation) {
  AUTOSPACE_CHECK(depthwise_tiled_forward_supported(s), "depthwise_conv2d_forward_tiled: unsupported shape");
  Scratch wt(static_cast<std::size_t>(s.in_c * s.kernel_h * s.kernel_w) * sizeof(float));
  transpose_weights(s, w, wt.as<float>());
  dispatch_tiled(s, [&](auto k, auto stride) {
    forward_tiled<decltype(k)::value, decltype(stride)::value>(s, x, wt.as<float>(), bias, activation, y);
  });
}

template <class T>
void depthwise_conv2d_backward_data_tiled(const Conv2dShape& s, const T* dy, const float* w, T* dx) {
  AUTOSPACE_CHECK(depthwise_tiled_backward_data_supported(s), "depthwise_conv2d_backward_data_tiled: unsupported shape");
  Scratch wt(static_cast<std::size_t>(s.in_c * s.kernel_h * s.kernel_w) * sizeof(float));
  transpose_flipped_weights(s, w, wt.as<float>());
  // dx[ih, iw] = sum over taps of dy[(ih + pad - kh) / S, (iw + pad - kw) / S] * w[kh, kw]
  // (where divisible): a stride-1 forward pass of the flipped kernel with padding K - 1 - pad
  // over dy dilated by S, whose output is in_h x in_w. At stride 2 the dilated dy is
  // in_h + 2 pad - K + 1 high (its last row and column zeros when in_h + 2 pad - K is odd),
  // so that the pass's output is in_h high.
  Conv2dShape over_dy = s;
  over_dy.stride = 1;
  over_dy.pad = s.kernel_h - 1 - s.pad;
  over_dy.in_h = s.stride == 1 ? s.out_h() : s.in_h + 2 * s.pad - s.kernel_h + 1;
  over_dy.in_w = s.stride == 1 ? s.out_w() : s.in_w + 2 * s.pad - s.kernel_w + 1;
  dispatch_tiled(over_dy, [&](auto k, auto) {
    constexpr int K = decltype(k)::value;
    if (s.stride == 1) forward_tiled<K, 1, 1>(over_dy, dy, wt.as<float>(), nullptr, ActivationKind::identity, dx);
    else forward_tiled<K, 1, 2>(over_dy, dy, wt.as<float>(), nullptr, ActivationKind::identity, dx);
  });
}

template <class T>
void depthwise_conv2d_backward_weights_tiled(const Conv2dShape& s, const T* x, const T* dy, float* dw) {
  AUTOSPACE_CHECK(depthwise_tiled_forward_supported(s), "depthwise_conv2d_backward_weights_tiled: unsupported shape");
  dispatch_tiled(s, [&](auto k, auto stride) {
    backward_weights_tiled<decltype(k)::value, decltype(stride)::value>(s, x, dy, dw);
  });
}

template <class T>
void depthwise_conv2d_forward(const Conv2dShape& s, const T* x, const float* w, const float* bias, T* y,
                              ActivationKind activation) {
  Scratch wt(static_cast<std::size_t>(s.in_c * s.kernel_h * s.kernel_w) * sizeof(float));
  transpose_weights(s, w, wt.as<float>());
  dispatch_kernel_size(s, [&](auto k) { forward<decltype(k)::value>(s, x, wt.as<float>(), bias, activation, y); });
}

template <class T> void depthwise_conv2d_backward_data(const Conv2dShape& s, const T* dy, const float* w, T* dx) {
  Scratch wt(static_cast<std::size_t>(s.in_c * s.kernel_h * s.kernel_w) * sizeof(float));
  transpose_weights(s, w, wt.as<float>());
  dispatch_kernel_size(s, [&](auto k) {
    constexpr int K = decltype(k)::value;
    if (s.stride == 1) backward_data<K, 1>(s, dy, wt.as<float>(), dx);
    else if (s.stride == 2) backward_data<K, 2>(s, dy, wt.as<float>(), dx);
    else backward_data<K, 0>(s, dy, wt.as<float>(), dx);
  });
}

template <class T>
void depthwise_conv2d_backward_weights(const Conv2dShape& s, const T* x, const T* dy, float* dw) {
  dispatch_kernel_size(s, [&](auto k) { backward_weights<decltype(k)::value>(s, x, dy, dw); });
}

#define AUTOSPACE_DEPTHWISE_INSTANCES(T)                                                                          \
  template void depthwise_conv2d_forward<T>(const Conv2dShape&, const T*, const float*, const float*, T*,         \
                                            ActivationKind);                                                     \
  template void depthwise_conv2d_backward_data<T>(const Conv2dShape&, const T*, const float*, T*);                \
  template void depthwise_conv2d_backward_weights<T>(const Conv2dShape&, const T*, const T*, float*);              \
  template void depthwise_conv2d_forward_tiled<T>(const Conv2dShape&, const T*, const float*, const float*, T*,   \
                                                  ActivationKind);                                               \
  template void depthwise_conv2d_backward_data_tiled<T>(const Conv2dShape&, const T*, const float*, T*);         \
  template void depthwise_conv2d_backward_weights_tiled<T>(const Conv2dShape&, const T*, const T*, float*);
AUTOSPACE_DEPTHWISE_INSTANCES(float)
AUTOSPACE_DEPTHWISE_INSTANCES(bf16)
#undef AUTOSPACE_DEPTHWISE_INSTANCES

}  // namespace autospace::kernels::cuda
