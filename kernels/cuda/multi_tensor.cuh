#pragma once
// Multi-tensor launches (what PyTorch's multi_tensor_apply does, written here): one kernel
// over many tensors, their descriptors passed by value as the kernel's argument, so that a
// network's hundreds of small parameters cost a handful of launches instead of one each.
// Each block takes one chunk of kMultiTensorChunk elements of one tensor; a launch holds up
// to kMultiTensorDescriptors descriptors and kMultiTensorBlocks blocks, and a tensor whose
// chunks do not fit continues in the next launch with its descriptor repeated.
#include <cstdint>
#include <limits>

#include "kernels/cuda/cuda_check.cuh"
#include "kernels/cuda/reduce.cuh"

namespace autospace::kernels::cuda {

constexpr int kMultiTensorDescriptors = 32, kMultiTensorBlocks = 224;
constexpr std::int64_t kMultiTensorChunk = 16384;  // elements per block: 64 per thread

template <class Desc> struct MultiTensorLaunch {
  Desc tensors[kMultiTensorDescriptors];
  unsigned char tensor_of_block[kMultiTensorBlocks];
  std::int32_t chunk_of_block[kMultiTensorBlocks];
};

template <class Desc, class Apply> __global__ void multi_tensor_kernel(MultiTensorLaunch<Desc> launch, Apply apply) {
  const Desc& d = launch.tensors[launch.tensor_of_block[blockIdx.x]];
  const std::int64_t begin = static_cast<std::int64_t>(launch.chunk_of_block[blockIdx.x]) * kMultiTensorChunk;
  const std::int64_t end = begin + kMultiTensorChunk < d.n ? begin + kMultiTensorChunk : d.n;
  for (std::int64_t i = begin + threadIdx.x; i < end; i += blockDim.x) apply(d, i);
}

// Packs the descriptors' chunks into launches, in order, and calls run(launch, blocks)
// for each (descriptors in host memory, each with a member n).
template <class Desc, class Run> void for_each_multi_tensor_launch(std::int64_t count, const Desc* descs, Run run) {
  // Kernel arguments are limited to 4 KB.
  static_assert(sizeof(MultiTensorLaunch<Desc>) <= 3800, "descriptors too large for one launch");
  MultiTensorLaunch<Desc> launch{};
  int used = 0, blocks = 0;
  const auto flush = [&] {
    if (blocks > 0) run(launch, blocks);
    used = blocks = 0;
  };
  for (std::int64_t k = 0; k < count; ++k) {
    const std::int64_t chunks = (descs[k].n + kMultiTensorChunk - 1) / kMultiTensorChunk;
    AUTOSPACE_CHECK(chunks <= std::numeric_limits<std::int32_t>::max(), "multi-tensor launch: a tensor of ",
                    descs[k].n, " elements");
    for (std::int64_t c = 0; c < chunks; ++c) {
      if (c == 0 || blocks == 0) {
        if (used == kMultiTensorDescriptors) flush();
        launch.tensors[used++] = descs[k];
      }
      launch.tensor_of_block[blocks] = static_cast<unsigned char>(used - 1);
      launch.chunk_of_block[blocks] = static_cast<std::int32_t>(c);
      if (++blocks == kMultiTensorBlocks) flush();
    }
  }
  flush();
}

// Calls apply(descs[k], i) on the device for every i < descs[k].n of every descriptor.
template <class Desc, class Apply> void multi_tensor_apply(std::int64_t count, const Desc* descs, Apply apply) {
  static_assert(sizeof(MultiTensorLaunch<Desc>) + sizeof(Apply) <= 4000, "descriptors too large for one launch");
  for_each_multi_tensor_launch(count, descs, [&](const MultiTensorLaunch<Desc>& launch, int blocks) {
    multi_tensor_kernel<<<blocks, kBlock, 0, compute_stream()>>>(launch, apply);
    AUTOSPACE_CUDA_CHECK_LAUNCH();
  });
}

template <class Desc, class Load>
__global__ void multi_tensor_partial_kernel(MultiTensorLaunch<Desc> launch, Load load, double* partial) {
  const Desc& d = launch.tensors[launch.tensor_of_block[blockIdx.x]];
  const std::int64_t begin = static_cast<std::int64_t>(launch.chunk_of_block[blockIdx.x]) * kMultiTensorChunk;
  const std::int64_t end = begin + kMultiTensorChunk < d.n ? begin + kMultiTensorChunk : d.n;
  double acc[1] = {0.0};
  for (std::int64_t i = begin + threadIdx.x; i < end; i += blockDim.x) acc[0] += load(d, i);
  block_sum<1>(acc);
  if (threadIdx.x == 0) partial[blockIdx.x] = acc[0];
}

// Blocks (chunks) a multi-tensor launch over the descriptors takes: the partials
// multi_tensor_partials writes.
template <class Desc> std::int64_t multi_tensor_chunks(std::int64_t count, const Desc* descs) {
  std::int64_t chunks = 0;
  for (std::int64_t k = 0; k < count; ++k) chunks += (descs[k].n + kMultiTensorChunk - 1) / kMultiTensorChunk;
  return chunks;
}

// The block partials of one sum over every element of every descriptor, load(desc, i)
// returning an element's term: partial[b] for the b-th chunk in order, written by a
// handful of launches instead of one per tensor, for flat_finish to add in a fixed order.
template <class Desc, class Load>
void multi_tensor_partials(std::int64_t count, const Desc* descs, Load load, double* partial) {
  static_assert(sizeof(MultiTensorLaunch<Desc>) + sizeof(Load) + sizeof(double*) <= 4000,
                "descriptors too large for one launch");
  std::int64_t first = 0;
  for_each_multi_tensor_launch(count, descs, [&](const MultiTensorLaunch<Desc>& launch, int blocks) {
    multi_tensor_partial_kernel<<<blocks, kBlock, 0, compute_stream()>>>(launch, load, partial + first);
    AUTOSPACE_CUDA_CHECK_LAUNCH();
    first += blocks;
  });
}

}  // namespace autospace::kernels::cuda
