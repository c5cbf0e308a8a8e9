#pragma once
// The run descriptions' "precision" key (docs/run-descriptions.md, docs/engine.md): what
// the matrix products of convolutions and linear layers may round their inputs to — fp32
// (none), tf32 (GPUs only) or bf16 — and, for bf16, the activations' storage: bf16 from the
// network's input on, on either device (oneDNN's bf16 convolutions on the CPU, cuBLAS bf16
// GEMMs and the bf16 depthwise kernels on a GPU). Accumulation, the parameters (master
// weights), batch-norm statistics, the logits, the loss and the optimiser stay fp32 in
// every case.
#include <string>
#include <vector>

#include "engine/core/dtype.h"

namespace autospace {

enum class MatmulPrecision { fp32, tf32, bf16 };

const std::vector<std::string>& matmul_precision_names();  // "fp32", "tf32", "bf16", in enum order
// Sets it for this process; fp32 is the default.
void set_matmul_precision(MatmulPrecision precision);
MatmulPrecision matmul_precision();
// The dtype a network's input is converted to (data::model_input): bf16 under bf16
// precision, else f32.
DType activation_dtype();

}  // namespace autospace
