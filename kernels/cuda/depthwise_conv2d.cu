#include "kernels/cuda/depthwise_conv2d.h"

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

template <int K> void forward(const Conv2dShape& s, const float* x, const float* wt, const float* bias, float* y) {
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
        acc += x[((n * h_n + ih) * w_n + iw) * c_n + c] * wt[(kh * kw_n + kw) * c_n + c];
      }
    }
    y[i] = acc;
  });
}

// S > 0: the stride as a compile-time constant (1 and 2, the mobile spaces' strides), so
// that the per-tap divisibility test and division below compile to nothing or to shifts
// instead of run-time integer division, which dominated this kernel.
template <int K, int S> void backward_data(const Conv2dShape& s, const float* dy, const float* wt, float* dx) {
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
        acc += dy[((n * static_cast<I>(oh_n) + oh) * static_cast<I>(ow_n) + ow) * c_n + c] *
               wt[(kh * kw_n + kw) * c_n + c];
      }
    }
    dx[i] = acc;
  });
}

constexpr int kRows = 8;  // threads across output positions per block; 32 across channels

// Each block sums, for 32 channels and every tap, dy * x over a chunk of output
// positions: partial[(chunk * taps + tap) * C + c]. With K = 0 the kernel size is a
// run-time value and each block handles the single tap blockIdx.z.
template <int K>
__global__ void weights_partial_kernel(Conv2dShape s, std::int64_t chunk_rows, const float* x, const float* dy,
                                       float* partial) {
  constexpr int kTaps = K > 0 ? K * K : 1;
  __shared__ float shared[kRows][kWarp + 1];
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
      const float g = dy[r * c_n + c];
#pragma unroll
      for (int t = 0; t < kTaps; ++t) {
        const std::int64_t tap = first_tap + t;
        const std::int64_t ih = oh * s.stride - s.pad + tap / kw_n, iw = ow * s.stride - s.pad + tap % kw_n;
        if (ih >= 0 && ih < s.in_h && iw >= 0 && iw < s.in_w)
          acc[t] += g * x[((n * s.in_h + ih) * s.in_w + iw) * c_n + c];
      }
    }
#pragma unroll
  for (int t = 0; t < kTaps; ++t) {
    shared[threadIdx.y][threadIdx.x] = acc[t];
    __syncthreads();
    if (threadIdx.y == 0 && c < c_n) {
      float sum = 0.0f;
      for (int y = 0; y < kRows; ++y) sum += shared[y][threadIdx.x];
      partial[(blockIdx.y * taps + first_tap + t) * c_n + c] = sum;
    }
    __syncthreads();
  }
}

template <int K> void backward_weights(const Conv2dShape& s, const float* x, const float* dy, float* dw) {
  const std::int64_t rows = s.n * s.out_h() * s.out_w(), c_n = s.in_c, taps = s.kernel_h * s.kernel_w;
  const std::int64_t col_tiles = (c_n + kWarp - 1) / kWarp;
  const std::int64_t z = K > 0 ? 1 : taps;
  // Enough blocks to fill the device, but at most 256 rows per thread so that the float
  // accumulators stay accurate (chunks are then added in double).
  const std::int64_t target = 8 * static_cast<std::int64_t>(multiprocessor_count());
  std::int64_t chunks = (target + col_tiles * z - 1) / (col_tiles * z);
  const std::int64_t min_chunks = (rows + 256 * kRows - 1) / (256 * kRows);
  const std::int64_t max_chunks = (rows + 8 * kRows - 1) / (8 * kRows);
  chunks = chunks > max_chunks ? max_chunks : chunks;
  chunks = chunks < min_chunks ? min_chunks : chunks;
  chunks = chunks < 1 ? 1 : chunks;
  AUTOSPACE_CHECK(chunks <= 65535, "depthwise_conv2d_backward_weights: ", rows, " output positions are too many");
  const std::int64_t chunk_rows = (rows + chunks - 1) / chunks;
  Scratch partial(static_cast<std::size_t>(chunks * taps * c_n) * sizeof(float));
  float* p = partial.as<float>();
  const dim3 grid(static_cast<unsigned>(col_tiles), static_cast<unsigned>(chunks), static_cast<unsigned>(z));
  weights_partial_kernel<K><<<grid, dim3(kWarp, kRows), 0, compute_stream()>>>(s, chunk_rows, x, dy, p);
  AUTOSPACE_CUDA_CHECK_LAUNCH();
  launch_map(c_n * taps, [=] __device__(auto i) {
    const std::int64_t c = i / taps, tap = i % taps;
    double sum = 0.0;
    for (std::int64_t j = 0; j < chunks; ++j) sum += p[(j * taps + tap) * c_n + c];
    dw[i] = static_cast<float>(sum);
  });
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

}  // namespace

void depthwise_conv2d_forward(const Conv2dShape& s, const float* x, const float* w, const float* bias, float* y) {
  Scratch wt(static_cast<std::size_t>(s.in_c * s.kernel_h * s.kernel_w) * sizeof(float));
  transpose_weights(s, w, wt.as<float>());
  dispatch_kernel_size(s, [&](auto k) { forward<decltype(k)::value>(s, x, wt.as<float>(), bias, y); });
}

void depthwise_conv2d_backward_data(const Conv2dShape& s, const float* dy, const float* w, float* dx) {
  Scratch wt(static_cast<std::size_t>(s.in_c * s.kernel_h * s.kernel_w) * sizeof(float));
  transpose_weights(s, w, wt.as<float>());
  dispatch_kernel_size(s, [&](auto k) {
    constexpr int K = decltype(k)::value;
    if (s.stride == 1) backward_data<K, 1>(s, dy, wt.as<float>(), dx);
    else if (s.stride == 2) backward_data<K, 2>(s, dy, wt.as<float>(), dx);
    else backward_data<K, 0>(s, dy, wt.as<float>(), dx);
  });
}

void depthwise_conv2d_backward_weights(const Conv2dShape& s, const float* x, const float* dy, float* dw) {
  dispatch_kernel_size(s, [&](auto k) { backward_weights<decltype(k)::value>(s, x, dy, dw); });
}

}  // namespace autospace::kernels::cuda
