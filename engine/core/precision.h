#pragma once
// The run descriptions' "precision" key (docs/run-descriptions.md, docs/engine.md): what
// the matrix products of convolutions and linear layers may round their inputs to — fp32
// (none), tf32 or bf16 — and, for bf16 on the CPU, the activations' storage. Accumulation,
// the parameters (master weights), batch-norm statistics, the logits, the loss and the
// optimiser stay fp32 in every case.
//   CUDA: the GEMM and convolution operands are rounded on the tensor cores; activations
//         stay f32 (the CUDA kernel tables lack bf16 entries for convolutions yet).
//   CPU:  bf16 stores the activations in bf16 from the network's input on (oneDNN's bf16
//         convolutions: AMX or AVX-512 BF16 where the CPU has them); tf32 does not exist.
#include <string>
#include <vector>

#include "engine/core/device.h"
#include "engine/core/dtype.h"

namespace autospace {

enum class MatmulPrecision { fp32, tf32, bf16 };

const std::vector<std::string>& matmul_precision_names();  // "fp32", "tf32", "bf16", in enum order
// Sets it for this process; fp32 is the default.
void set_matmul_precision(MatmulPrecision precision);
MatmulPrecision matmul_precision();
// The dtype a network's input is converted to on `device` (data::model_input): bf16 under
// bf16 precision on the CPU, else f32.
DType activation_dtype(Device device);

}  // namespace autospace
