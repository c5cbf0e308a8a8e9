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

// Calls apply(descs[k], i) on the device for every i < descs[k].n of every descriptor
// (descriptors in host memory, each with a member n).
template <class Desc, class Apply> void multi_tensor_apply(std::int64_t count, const Desc* descs, Apply apply) {
  // Kernel arguments are limited to 4 KB.
  static_assert(sizeof(MultiTensorLaunch<Desc>) + sizeof(Apply) <= 4000, "descriptors too large for one launch");
  MultiTensorLaunch<Desc> launch{};
  int used = 0, blocks = 0;
  const auto flush = [&] {
    if (blocks > 0) {
      multi_tensor_kernel<<<blocks, kBlock, 0, compute_stream()>>>(launch, apply);
      AUTOSPACE_CUDA_CHECK_LAUNCH();
    }
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

}  // namespace autospace::kernels::cuda
