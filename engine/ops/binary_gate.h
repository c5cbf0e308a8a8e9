#pragma once
// The binary-gated choice of ProxylessNAS's two-path mode (DESIGN 4.3), as a generic op:
// two candidates were sampled from softmax(logits), one of them is active. The forward
// returns the active candidate's output unchanged; the backward passes the gradient to it
// and gives the logits the gate gradient
//   dL/dg_j = <dL/dy, o_j>  (both sampled candidates)
//   dL/dlogit_i = sum_j dL/dg_j * q_j * (delta_ij - q_i),   q = softmax(logits[pair])
// non-zero only at the pair. The inactive output is computed by the caller without a
// graph (no weight gradients); a zero candidate passes a zero tensor, so its gate
// gradient is 0 while its partner's is not (and the pair's logits still move).
#include "engine/tensor.h"

namespace autospace::ops {

struct GatePair {
  int first = 0;   // candidate indices into the logits
  int second = 1;
  bool first_active = true;
};

// active, inactive: same shape and dtype (f32 or bf16); logits: [M] f32.
Tensor binary_gate(const Tensor& active, const Tensor& inactive, const Tensor& logits, const GatePair& pair);

}  // namespace autospace::ops
