#include <catch2/catch.hpp>
#include <cstring>

#include "engine/core/allocator.h"
#include "engine/tensor.h"
#include "tests/support/test_support.h"

using namespace autospace;

TEST_CASE("tensor creation, shape queries and views", "[tensor]") {
  Tensor t = Tensor::zeros({2, 3, 4, 5});
  CHECK(t.numel() == 120);
  CHECK(t.dim(-1) == 5);
  CHECK(t.nbytes() == 480);
  CHECK_THROWS_WITH(t.dim(4), Catch::Contains("dimension 4 out of range"));
  for (float v : t.to_vector()) REQUIRE(v == 0.f);

  Tensor f = Tensor::full({3}, 2.5f);
  CHECK(f.to_vector() == std::vector<float>{2.5f, 2.5f, 2.5f});

  Tensor a = Tensor::from_vector({1, 2, 3, 4, 5, 6}, {3, 2});
  Tensor rows = a.narrow0(1, 3);
  CHECK(rows.shape() == Shape{2, 2});
  CHECK(rows.to_vector() == std::vector<float>{3, 4, 5, 6});
  rows.data<float>()[0] = 30;  // shares storage
  CHECK(a.to_vector()[2] == 30);
  CHECK(a.view({6}).shape() == Shape{6});
  CHECK_THROWS_WITH(a.view({4}), Catch::Contains("view [3, 2] as [4]"));
  CHECK_THROWS_WITH(a.data<std::int64_t>(), Catch::Contains("has dtype f32, expected i64"));

  Tensor c = a.clone();
  c.data<float>()[0] = -1;
  CHECK(a.to_vector()[0] == 1);
}

TEST_CASE("dtype conversions round trip, bf16 rounds to nearest even", "[tensor]") {
  Tensor a = Tensor::from_vector({1.f, -2.f, 3.f, 255.f}, {4});
  CHECK(a.to(DType::i64).to(DType::f32).to_vector() == a.to_vector());
  CHECK(a.to(DType::bf16).to(DType::f32).to_vector() == a.to_vector());
  CHECK(bf16_to_float(float_to_bf16(1.00390625f)) == 1.f);  // halfway: ties to even
  CHECK(bf16_to_float(float_to_bf16(1.01171875f)) == 1.015625f);
  Tensor u = Tensor::zeros({2}, DType::u8);
  CHECK(u.nbytes() == 2);
}

TEST_CASE("caching allocator reuses freed blocks by size class", "[tensor][allocator]") {
  CHECK(allocation_size_class(1) == 512);
  CHECK(allocation_size_class(513) == 1024);
  CHECK(allocation_size_class(100000) == 114688);  // 65536 + 3 * 16384
  const Device cpu = Device::cpu();
  const std::size_t bytes = 3 * 1024 * 1024 + 7;
  void* first = nullptr;
  {
    Tensor t = Tensor::empty({static_cast<std::int64_t>(bytes)}, DType::u8);
    first = t.raw_data();
  }
  const AllocatorStats before = allocator_stats(cpu);
  Tensor again = Tensor::empty({static_cast<std::int64_t>(bytes)}, DType::u8);
  const AllocatorStats after = allocator_stats(cpu);
  CHECK(again.raw_data() == first);
  CHECK(after.reuses == before.reuses + 1);
  CHECK(after.system_allocations == before.system_allocations);
  CHECK(after.peak_bytes >= after.current_bytes);
  CHECK(reinterpret_cast<std::uintptr_t>(again.raw_data()) % 64 == 0);
}

TEST_CASE("device parsing and CPU fallback", "[tensor][device]") {
  CHECK(parse_device("cpu") == Device::cpu());
  CHECK_THROWS_WITH(parse_device("gpu"), Catch::Contains("expected cpu, cuda, cuda:N or auto"));
  if (cuda_device_count() == 0) {
    CHECK(parse_device("auto") == Device::cpu());
    CHECK_THROWS_WITH(parse_device("cuda:0"), Catch::Contains("only 0 usable GPU"));
  }
}
