// ops::count_nonfinite against the reference count. It has no gradient (a count), so no
// finite-difference check applies.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "engine/ops/count_nonfinite.h"
#include "kernels/ref/count_nonfinite.h"
#include "tests/support/test_support.h"

using namespace autospace;

namespace {
std::int64_t counted(const std::vector<Tensor>& tensors) {
  return ops::count_nonfinite(tensors).to(Device::cpu()).data<std::int64_t>()[0];
}
}  // namespace

TEST_CASE("count_nonfinite counts NaNs and infinities over several tensors", "[ops][count_nonfinite]") {
  // Large enough for the threaded loop, with the special values spread over it.
  Tensor big = test::random_tensor({300001}, 1, -1e38f, 1e38f);
  Tensor small = test::random_tensor({7}, 2);
  CHECK(counted({big, small}) == 0);
  float* b = big.data<float>();
  b[0] = std::numeric_limits<float>::quiet_NaN();
  b[1000] = std::numeric_limits<float>::infinity();
  b[300000] = -std::numeric_limits<float>::infinity();
  b[77777] = -std::numeric_limits<float>::quiet_NaN();
  b[5] = std::numeric_limits<float>::max();            // finite
  b[6] = std::numeric_limits<float>::denorm_min();     // finite
  small.data<float>()[6] = std::numeric_limits<float>::signaling_NaN();
  std::int64_t want = 0;
  kernels::ref::count_nonfinite(big.numel(), big.data<float>(), &want);
  kernels::ref::count_nonfinite(small.numel(), small.data<float>(), &want);
  REQUIRE(want == 5);
  CHECK(counted({big, Tensor(), small}) == want);
  CHECK(counted({}) == 0);
  CHECK_THROWS_WITH(ops::count_nonfinite({Tensor::from_int64({1}, {1})}), Catch::Contains("count_nonfinite"));
}
