#include "engine/optim/update_kernels.h"

#include "kernels/cuda/optimizer_update.h"

namespace autospace::optim {

const ops::KernelTable<decltype(kernels::cpu::sgd_update_many)> kSgdUpdateMany{
    "sgd_update_many", {AUTOSPACE_F32_KERNELS(sgd_update_many)}};

}  // namespace autospace::optim
