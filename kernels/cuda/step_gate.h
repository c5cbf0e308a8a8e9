#pragma once
// Device pointers; the kernels of kernels/cpu/step_gate.h, queued on the compute stream
// with nothing read back: a step's verdict and what follows from it stay on the GPU.
#include <cstdint>

namespace autospace::kernels::cuda {

void judge_step(const float* loss, const float* norm, float* gate, std::int64_t* counters);
void restore_unless_applied(std::int64_t n, float* dst, const float* src, float value, const float* gate);
void step_figures(std::int64_t rows, std::int64_t classes, const float* logits, const std::int64_t* labels,
                  const float* mean_loss, std::int64_t unreadable, float* figures);
void tally_step(const float* figures, const float* gate, double* tally);

}  // namespace autospace::kernels::cuda
