#pragma once
// Which kernels serve the CUDA convolutions: the native ones (hand-written depthwise,
// cuBLAS GEMMs; the default), cuDNN, or per shape and pass whichever measured faster on
// this GPU ("autotune", cuDNN's benchmark mode one level up). Autotune checks and measures
// each pass of each shape (at each GEMM precision) at its first use, on the op's own
// buffers, and remembers the choice in an io::AutotuneCache file, so that later runs on the
// machine start with it (checking a remembered non-native choice once more, since the
// build may have changed). The backends agree to fp32 rounding (the parity tests), so the setting
// changes speed, not results beyond that. CPU convolutions have one backend (oneDNN).
#include <filesystem>
#include <string>
#include <vector>

#include "kernels/cuda/conv2d.h"

namespace autospace::ops {

enum class ConvBackendSetting { native, cudnn, autotune };
const std::vector<std::string>& conv_backend_names();  // "native", "cudnn", "autotune", in enum order

// The default autotune file: io::default_cache_dir() / "conv-autotune.json".
std::filesystem::path default_conv_autotune_file();
// Sets it for this process (the runner does at each phase's start, from the run
// description's "conv_backend"); autotune keeps its choices in `cache_file` (empty: in
// memory only). Throws, naming the setting, when cuDNN is asked for and not built in.
void set_conv_backend_setting(ConvBackendSetting setting,
                              const std::filesystem::path& cache_file = default_conv_autotune_file());
ConvBackendSetting conv_backend_setting();

// Called by ops::conv2d before each pass on a GPU, with activations of T (float or bf16):
// under autotune, makes sure the pass's shape has its backend chosen (measured now, or read
// from the cache file). A choice is per shape, pass, GEMM precision and activation type;
// for bf16 activations (bf16 precision's, or bf16 tensors at another precision) the
// candidates are the native and the tiled depthwise kernels.
template <class T>
void prepare_conv_pass(kernels::cuda::ConvPass pass, const kernels::Conv2dShape& s,
                       const kernels::cuda::ConvPassBuffersOf<T>& buffers);

}  // namespace autospace::ops
