#include "kernels/cpu/onednn.h"

namespace autospace::kernels::cpu::onednn {

const dnnl::engine& engine() {
  static const dnnl::engine cpu(dnnl::engine::kind::cpu, 0);
  return cpu;
}

dnnl::stream& stream() {
  thread_local dnnl::stream s(engine());
  return s;
}

}  // namespace autospace::kernels::cpu::onednn
