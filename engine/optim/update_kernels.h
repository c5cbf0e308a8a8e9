#pragma once
// The optimiser-update kernel tables (engine/ops/kernel_table.h) that more than one file of
// engine/optim/ uses: SGD's multi-tensor update also moves the weight EMA's shadow.
#include "engine/ops/kernel_table.h"
#include "kernels/cpu/optimizer_update.h"

namespace autospace::optim {

extern const ops::KernelTable<decltype(kernels::cpu::sgd_update_many)> kSgdUpdateMany;

}  // namespace autospace::optim
