#pragma once
// The engine activation that computes a network activation of arch.json.
#include "engine/ops/activation.h"
#include "nas/block.h"

namespace autospace::nas {

ops::Activation engine_activation(Activation a);

}  // namespace autospace::nas
