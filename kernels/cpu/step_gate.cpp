#include "kernels/cpu/step_gate.h"

#include "kernels/common/classification.h"
#include "kernels/common/step_gate.h"

namespace autospace::kernels::cpu {

void judge_step(const float* loss, const float* norm, float* gate, std::int64_t* counters) {
  kernels::judge_step(loss[0], norm[0], gate, counters);
}

void restore_unless_applied(std::int64_t n, float* dst, const float* src, float value, const float* gate) {
  if (gate[0] != 0.f) return;
  for (std::int64_t i = 0; i < n; ++i) dst[i] = src ? src[i] : value;
}

void step_figures(std::int64_t rows, std::int64_t classes, const float* logits, const std::int64_t* labels,
                  const float* mean_loss, std::int64_t unreadable, float* figures) {
  std::int64_t correct = 0;
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* row = logits + r * classes;
    correct += labels[r] >= 0 && labels[r] < classes && row_finite(row, classes) && label_rank(row, classes, labels[r]) == 0;
  }
  figures[0] = mean_loss[0] * static_cast<float>(rows);
  figures[1] = static_cast<float>(correct);
  figures[2] = static_cast<float>(rows);
  figures[3] = static_cast<float>(unreadable);
}

void tally_step(const float* figures, const float* gate, double* tally) { kernels::tally_step(figures, gate, tally); }

}  // namespace autospace::kernels::cpu
