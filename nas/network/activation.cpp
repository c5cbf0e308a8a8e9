#include "nas/network/activation.h"

namespace autospace::nas {

ops::Activation engine_activation(Activation a) {
  switch (a) {
    case Activation::relu: return ops::Activation::relu;
    case Activation::relu6: return ops::Activation::relu6;
    case Activation::swish: return ops::Activation::swish;
    case Activation::hswish: return ops::Activation::hswish;
  }
  return ops::Activation::identity;
}

}  // namespace autospace::nas
