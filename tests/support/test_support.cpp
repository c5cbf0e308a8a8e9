#include "tests/support/test_support.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <random>

#include "engine/autograd/node.h"

namespace autospace::test {

Tensor random_tensor(const Shape& shape, std::uint64_t seed, float lo, float hi) {
  std::mt19937_64 gen(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  Tensor t = Tensor::empty(shape);
  float* p = t.data<float>();
  for (std::int64_t i = 0; i < t.numel(); ++i) p[i] = dist(gen);
  return t;
}

Tensor random_labels(std::int64_t rows, std::int64_t classes, std::uint64_t seed) {
  std::mt19937_64 gen(seed);
  std::uniform_int_distribution<std::int64_t> pick(0, classes - 1);
  std::vector<std::int64_t> v(static_cast<std::size_t>(rows));
  for (auto& l : v) l = pick(gen);
  return Tensor::from_int64(v, {rows});
}

std::vector<double> to_double(const Tensor& t) {
  std::vector<float> v = t.to_vector();
  return std::vector<double>(v.begin(), v.end());
}

double relative_l2(const std::vector<double>& got, const std::vector<double>& want, double floor) {
  REQUIRE(got.size() == want.size());
  double num = 0, den = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    if (!std::isfinite(got[i])) return std::numeric_limits<double>::infinity();
    num += (got[i] - want[i]) * (got[i] - want[i]);
    den += want[i] * want[i];
  }
  return std::sqrt(num) / std::max(std::sqrt(den), floor);
}

void check_op(const std::vector<Tensor>& inputs, const EngineForward& op, const RefForward& ref,
              const GradCheckOptions& options) {
  std::vector<std::vector<double>> ref_inputs;
  for (const Tensor& t : inputs) ref_inputs.push_back(to_double(t.dtype() == DType::f32 ? t : t.to(DType::f32)));

  for (const Tensor& t : inputs) t.clear_grad();
  Tensor out = op(inputs);
  const std::vector<double> want = ref(ref_inputs);
  const double forward_err = relative_l2(to_double(out), want);
  INFO("forward relative L2 error " << forward_err);
  CHECK(forward_err <= options.forward_tol);

  bool any_grad = false;
  for (const Tensor& t : inputs) any_grad |= t.requires_grad();
  if (!any_grad) return;

  // Loss = <out, R> with a fixed random R, so dL/dout = R.
  Tensor seed = random_tensor(out.shape(), options.seed, -1.f, 1.f);
  const std::vector<double> r = to_double(seed);
  out.backward(seed);
  auto loss = [&](const std::vector<std::vector<double>>& in) {
    const std::vector<double> y = ref(in);
    double s = 0;
    for (std::size_t i = 0; i < y.size(); ++i) s += y[i] * r[i];
    return s;
  };

  std::mt19937_64 gen(options.seed + 1);
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    if (!inputs[k].requires_grad()) continue;
    INFO("input " << k << " shape " << shape_str(inputs[k].shape()));
    REQUIRE(inputs[k].grad().defined());
    const std::vector<double> analytic = to_double(inputs[k].grad());
    const std::size_t n = analytic.size();
    std::vector<std::size_t> probes;
    if (n <= static_cast<std::size_t>(options.max_probes)) {
      for (std::size_t i = 0; i < n; ++i) probes.push_back(i);
    } else {
      std::uniform_int_distribution<std::size_t> pick(0, n - 1);
      for (int i = 0; i < options.max_probes; ++i) probes.push_back(pick(gen));
    }
    std::vector<double> got, fd;
    auto perturbed = ref_inputs;
    for (std::size_t i : probes) {
      const double x0 = perturbed[k][i];
      perturbed[k][i] = x0 + options.step;
      const double lp = loss(perturbed);
      perturbed[k][i] = x0 - options.step;
      const double lm = loss(perturbed);
      perturbed[k][i] = x0;
      fd.push_back((lp - lm) / (2 * options.step));
      got.push_back(analytic[i]);
    }
    const double grad_err = relative_l2(got, fd);
    INFO("gradient relative L2 error " << grad_err);
    CHECK(grad_err <= options.grad_tol);
  }
}

std::filesystem::path shared_data_dir() {
  if (const char* env = std::getenv("AUTOSPACE_SHARED_DATA")) {
    if (std::filesystem::is_directory(env)) return env;
    return {};
  }
  const std::filesystem::path p = std::filesystem::path(AUTOSPACE_SOURCE_DIR) / ".." / "shared" / "data";
  return std::filesystem::is_directory(p) ? std::filesystem::canonical(p) : std::filesystem::path();
}

}  // namespace autospace::test
