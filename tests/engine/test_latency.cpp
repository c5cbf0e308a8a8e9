// nn::measure_latency (engine/nn/latency.h), what autospace-eval and the latency tables
// (nas/latency) time with: one entry per batch size, ordered times, the model left in the
// mode it was in, on the CPU and (when one is present) a GPU.
#include <catch2/catch.hpp>

#include "engine/nn/latency.h"
#include "engine/nn/linear.h"
#include "engine/nn/sequential.h"
#include "tests/support/test_support.h"

using namespace autospace;

namespace {

void check_latency_on(Device device) {
  auto model = std::make_shared<nn::Sequential>();
  model->append(std::make_shared<nn::Linear>(16, 8, true, nn::Init::normal_001));
  model->initialize(3);
  model->to(device);
  model->train(true);
  const std::vector<nn::Latency> l = nn::measure_latency(*model, {1, 16}, device, {{1, 4}, 1, 5});
  REQUIRE(l.size() == 2);
  CHECK(l[0].batch_size == 1);
  CHECK(l[1].batch_size == 4);
  for (const nn::Latency& x : l) {
    CHECK((x.min_ms > 0 && x.min_ms <= x.median_ms && x.median_ms <= x.max_ms));
    CHECK(x.images_per_second == Approx(static_cast<double>(x.batch_size) * 1000 / x.median_ms));
  }
  CHECK(model->is_training());  // timed in eval mode, handed back as it came
  CHECK(nn::measure_latency(*model, {1, 16}, device, {{1}, 0, 0}).empty());  // runs 0: nothing timed
}

}  // namespace

TEST_CASE("latency: one median per batch size, ordered times, the mode restored", "[latency]") {
  check_latency_on(Device::cpu());
}

TEST_CASE("latency on the GPU: timed to completion like the CPU's", "[cuda]") {
  if (cuda_device_count() == 0) AUTOSPACE_SKIP_TEST("no GPU");
  check_latency_on(Device::cuda(0));
}
