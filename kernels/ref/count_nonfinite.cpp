#include "kernels/ref/count_nonfinite.h"

#include <cmath>

namespace autospace::kernels::ref {

void count_nonfinite(std::int64_t n, const float* x, std::int64_t* count) {
  for (std::int64_t i = 0; i < n; ++i)
    if (!std::isfinite(x[i])) ++*count;
}

}  // namespace autospace::kernels::ref
