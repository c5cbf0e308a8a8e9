#pragma once
// What the matrix products of convolutions and linear layers may round their fp32 inputs to
// on a GPU's tensor cores: fp32 (none), tf32 or bf16; accumulation, storage, batch-norm
// statistics, the loss and the optimiser stay fp32 in every case. The CPU kernels compute in
// fp32 only. The run descriptions' "precision" key (docs/run-descriptions.md).
#include <string>
#include <vector>

namespace autospace {

enum class MatmulPrecision { fp32, tf32, bf16 };

const std::vector<std::string>& matmul_precision_names();  // "fp32", "tf32", "bf16", in enum order
// Sets it for the CUDA convolutions and GEMMs of this process; fp32 is the default.
void set_matmul_precision(MatmulPrecision precision);

}  // namespace autospace
