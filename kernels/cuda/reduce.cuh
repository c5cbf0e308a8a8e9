#pragma once
// Deterministic two-level reductions in double precision: blocks write partial sums in a
// fixed layout and a second kernel adds them in a fixed order, so a result depends only
// on the shape (and the device's multiprocessor count), never on scheduling. Doubles
// keep the sums at float accuracy whatever their length; the kernels using them are
// memory-bound, so the slower arithmetic does not show.
//
// A Load functor adds one element's K terms: load(b, r, c, acc) for column reductions,
// load(i, acc) for flat ones. A Finish functor receives the K totals of one output.
#include "kernels/cuda/cuda_check.cuh"

namespace autospace::kernels::cuda {

constexpr int kWarp = 32;
// Column reductions: 32 threads across columns (one 128-byte row segment per warp) by
// 8 across rows.
constexpr int kColumnRows = 8;

template <int K, class Load>
__global__ void column_partial_kernel(std::int64_t rows, std::int64_t cols, std::int64_t chunk_rows, Load load,
                                      double* partial) {
  __shared__ double shared[K][kColumnRows][kWarp + 1];
  const std::int64_t c = static_cast<std::int64_t>(blockIdx.x) * kWarp + threadIdx.x;
  const std::int64_t b = blockIdx.z;
  const std::int64_t r0 = static_cast<std::int64_t>(blockIdx.y) * chunk_rows;
  const std::int64_t r1 = r0 + chunk_rows < rows ? r0 + chunk_rows : rows;
  double acc[K];
#pragma unroll
  for (int k = 0; k < K; ++k) acc[k] = 0.0;
  // Unrolled so that each thread has four loads in flight, not one: with one 4-byte load
  // per thread at a time a multiprocessor keeps about a third of the bytes in flight the
  // bus needs (the 2026-11-28 H200 record: BN statistics at 16-40% of copy bandwidth).
  // The additions stay in the same order, so the sums do not change.
  if (c < cols)
#pragma unroll 4
    for (std::int64_t r = r0 + threadIdx.y; r < r1; r += kColumnRows) load(b, r, c, acc);
#pragma unroll
  for (int k = 0; k < K; ++k) shared[k][threadIdx.y][threadIdx.x] = acc[k];
  __syncthreads();
  if (threadIdx.y != 0 || c >= cols) return;
  const std::int64_t chunks = gridDim.y;
  double* out = partial + ((b * chunks + blockIdx.y) * cols + c) * K;
#pragma unroll
  for (int k = 0; k < K; ++k) {
    double s = 0.0;
    for (int y = 0; y < kColumnRows; ++y) s += shared[k][y][threadIdx.x];
    out[k] = s;
  }
}

template <int K, class Finish>
__global__ void column_finish_kernel(std::int64_t batch, std::int64_t chunks, std::int64_t cols,
                                     const double* partial, Finish finish) {
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < batch * cols;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const std::int64_t b = i / cols, c = i % cols;
    double total[K];
#pragma unroll
    for (int k = 0; k < K; ++k) total[k] = 0.0;
    for (std::int64_t j = 0; j < chunks; ++j) {
      const double* p = partial + ((b * chunks + j) * cols + c) * K;
#pragma unroll
      for (int k = 0; k < K; ++k) total[k] += p[k];
    }
    finish(b, c, total);
  }
}

// For each batch entry b and column c of a [batch, rows, cols] view: K sums over the
// rows, handed to finish(b, c, totals).
template <int K, class Load, class Finish>
void column_reduce(std::int64_t batch, std::int64_t rows, std::int64_t cols, Load load, Finish finish) {
  if (batch <= 0 || cols <= 0) return;
  const std::int64_t col_tiles = (cols + kWarp - 1) / kWarp;
  // About eight resident blocks per multiprocessor over the whole launch, but at least
  // 64 rows (8 per thread) in a chunk.
  const std::int64_t target = 8 * static_cast<std::int64_t>(multiprocessor_count());
  std::int64_t chunks = (target + col_tiles * batch - 1) / (col_tiles * batch);
  const std::int64_t max_chunks = (rows + 63) / 64;
  chunks = chunks < max_chunks ? chunks : max_chunks;
  chunks = chunks < 1 ? 1 : (chunks > 65535 ? 65535 : chunks);
  const std::int64_t chunk_rows = (rows + chunks - 1) / chunks;
  AUTOSPACE_CHECK(batch <= 65535, "column_reduce: batch ", batch, " exceeds the grid");
  Scratch partial(static_cast<std::size_t>(batch * chunks * cols * K) * sizeof(double));
  const dim3 grid(static_cast<unsigned>(col_tiles), static_cast<unsigned>(chunks), static_cast<unsigned>(batch));
  column_partial_kernel<K><<<grid, dim3(kWarp, kColumnRows), 0, compute_stream()>>>(rows, cols, chunk_rows, load,
                                                                                      partial.as<double>());
  AUTOSPACE_CUDA_CHECK_LAUNCH();
  column_finish_kernel<K><<<grid_for(batch * cols), kBlock, 0, compute_stream()>>>(batch, chunks, cols,
                                                                                   partial.as<double>(), finish);
  AUTOSPACE_CUDA_CHECK_LAUNCH();
}

// Sums K values across a block of kBlock threads in a fixed tree order; the totals are
// valid in thread 0.
template <int K> __device__ void block_sum(double (&v)[K]) {
  __shared__ double shared[K][kBlock / kWarp];
#pragma unroll
  for (int k = 0; k < K; ++k)
    for (int offset = kWarp / 2; offset > 0; offset /= 2) v[k] += __shfl_down_sync(0xffffffffu, v[k], offset);
  const int lane = threadIdx.x % kWarp, warp = threadIdx.x / kWarp;
  if (lane == 0)
#pragma unroll
    for (int k = 0; k < K; ++k) shared[k][warp] = v[k];
  __syncthreads();
  if (threadIdx.x == 0)
#pragma unroll
    for (int k = 0; k < K; ++k) {
      double s = 0.0;
      for (int w = 0; w < kBlock / kWarp; ++w) s += shared[k][w];
      v[k] = s;
    }
}

template <int K, class Load> __global__ void flat_partial_kernel(std::int64_t n, Load load, double* partial) {
  double acc[K];
#pragma unroll
  for (int k = 0; k < K; ++k) acc[k] = 0.0;
#pragma unroll 4  // loads in flight, as in column_partial_kernel
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * kBlock + threadIdx.x; i < n;
       i += static_cast<std::int64_t>(gridDim.x) * kBlock)
    load(i, acc);
  block_sum<K>(acc);
  if (threadIdx.x == 0)
#pragma unroll
    for (int k = 0; k < K; ++k) partial[blockIdx.x * K + k] = acc[k];
}

// One block adds `count` partial K-tuples in a fixed order and calls finish(totals).
template <int K, class Finish>
__global__ void flat_finish_kernel(std::int64_t count, const double* partial, Finish finish) {
  double acc[K];
#pragma unroll
  for (int k = 0; k < K; ++k) acc[k] = 0.0;
  for (std::int64_t j = threadIdx.x; j < count; j += kBlock)
#pragma unroll
    for (int k = 0; k < K; ++k) acc[k] += partial[j * K + k];
  block_sum<K>(acc);
  if (threadIdx.x == 0) finish(acc);
}

// Blocks a flat reduction of n elements uses (so that callers can size shared partials).
inline unsigned flat_blocks(std::int64_t n) {
  const std::int64_t wanted = (n + kBlock * 8 - 1) / (kBlock * 8);  // at least 8 elements per thread
  const std::int64_t cap = 4 * static_cast<std::int64_t>(multiprocessor_count());
  return static_cast<unsigned>(wanted < 1 ? 1 : (wanted < cap ? wanted : cap));
}

// Writes the block partials of a flat reduction of n elements into partial[0, flat_blocks(n) * K).
template <int K, class Load> void flat_partials(std::int64_t n, Load load, double* partial) {
  flat_partial_kernel<K><<<flat_blocks(n), kBlock, 0, compute_stream()>>>(n, load, partial);
  AUTOSPACE_CUDA_CHECK_LAUNCH();
}

template <int K, class Finish> void flat_finish(std::int64_t count, const double* partial, Finish finish) {
  flat_finish_kernel<K><<<1, kBlock, 0, compute_stream()>>>(count, partial, finish);
  AUTOSPACE_CUDA_CHECK_LAUNCH();
}

// K sums over i in [0, n), handed to finish(totals) on the device.
template <int K, class Load, class Finish> void flat_reduce(std::int64_t n, Load load, Finish finish) {
  const unsigned blocks = flat_blocks(n);
  Scratch partial(static_cast<std::size_t>(blocks) * K * sizeof(double));
  flat_partials<K>(n, load, partial.as<double>());
  flat_finish<K>(blocks, partial.as<double>(), finish);
}

}  // namespace autospace::kernels::cuda
