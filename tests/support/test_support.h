#pragma once
// Shared test helpers: seeded random tensors, comparisons in double, the gradient check
// (dlib-style: every op's analytic backward against central finite differences of its
// double-precision reference forward), and the skip marker ctest turns into "skipped".
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "engine/tensor.h"

namespace autospace::test {

// Uniform values in [lo, hi) from a fixed seed (never all zeros).
Tensor random_tensor(const Shape& shape, std::uint64_t seed, float lo = -1.f, float hi = 1.f);
// i64 labels [rows], uniform over [0, classes), from a fixed seed.
Tensor random_labels(std::int64_t rows, std::int64_t classes, std::uint64_t seed);
std::vector<double> to_double(const Tensor& t);

// Relative L2 error ||got - want|| / max(||want||, floor); NaN in got gives infinity. A
// floor above the tiny default makes it an error relative to a scale of the caller's where
// ||want|| is small.
double relative_l2(const std::vector<double>& got, const std::vector<double>& want, double floor = 1e-12);

// A reference forward in double: inputs (as doubles, same order as the engine inputs) -> output.
using RefForward = std::function<std::vector<double>(const std::vector<std::vector<double>>& inputs)>;
// The engine op under test.
using EngineForward = std::function<Tensor(const std::vector<Tensor>& inputs)>;

struct GradCheckOptions {
  double forward_tol = 1e-5;   // relative L2 of the engine forward against the reference
  double grad_tol = 2e-3;      // relative L2 of analytic vs finite-difference gradients
  double step = 1e-3;          // central-difference step
  int max_probes = 48;         // input elements probed per input (all when fewer)
  std::uint64_t seed = 1234;
};

// Checks forward against `ref` and, for every input that requires a gradient, the
// backward pass against central differences of `ref` in double.
void check_op(const std::vector<Tensor>& inputs, const EngineForward& op, const RefForward& ref,
              const GradCheckOptions& options = {});

// ../shared/data next to the checkout (or $AUTOSPACE_SHARED_DATA); empty when absent.
std::filesystem::path shared_data_dir();

}  // namespace autospace::test

// Marks the running test as skipped (ctest SKIP_REGULAR_EXPRESSION) and leaves it.
#define AUTOSPACE_SKIP_TEST(why)                          \
  do {                                                    \
    std::printf("AUTOSPACE_SKIP: %s\n", std::string(why).c_str()); \
    return;                                               \
  } while (0)
