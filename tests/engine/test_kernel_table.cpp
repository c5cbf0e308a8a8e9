// The ops' dispatch (engine/ops/kernel_table.h): a lookup finds the kernel of its device
// and dtype, and a combination no kernel was written for is an error naming the op, the
// dtype and the device.
#include <catch2/catch.hpp>

#include "engine/ops/add.h"
#include "engine/ops/kernel_table.h"

using namespace autospace;

namespace {

int twice(int x) { return 2 * x; }
int thrice(int x) { return 3 * x; }

}  // namespace

TEST_CASE("kernel table: each device and dtype finds its own kernel, a missing one names op, dtype and device",
          "[dispatch]") {
  const ops::KernelTable<int(int)> table{
      "scale", {{DeviceKind::cpu, DType::f32, &twice}, {DeviceKind::cpu, DType::bf16, &thrice}}};
  CHECK(table(Device::cpu(), DType::f32)(5) == 10);
  CHECK(table(Device::cpu(), DType::bf16)(5) == 15);
  CHECK_THROWS_WITH(table(Device::cpu(), DType::i32), Catch::StartsWith("scale: no kernel for i32 on cpu"));
  // No CUDA entry: the same error, whether or not this build has a CUDA backend.
  CHECK_THROWS_WITH(table(Device::cuda(0), DType::f32), Catch::StartsWith("scale: no kernel for f32 on cuda:0"));
}

TEST_CASE("kernel table: an op runs its CPU kernel through its table", "[dispatch]") {
  const Tensor a = Tensor::full({3}, 1.5f), b = Tensor::full({3}, 2.f);
  const Tensor c = ops::add(a, b);
  for (int i = 0; i < 3; ++i) CHECK(c.data<float>()[i] == 3.5f);
}
