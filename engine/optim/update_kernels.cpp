#include "engine/optim/update_kernels.h"

#include "kernels/cuda/optimizer_update.h"

namespace autospace::optim {

const ops::KernelTable<decltype(kernels::cpu::sgd_update)> kSgdUpdate{"sgd_update", {AUTOSPACE_F32_KERNELS(sgd_update)}};

}  // namespace autospace::optim
