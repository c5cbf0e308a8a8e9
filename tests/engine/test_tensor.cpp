#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

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

// (tools/sanitize.sh runs ASan with allocator_may_return_null=1, so that the impossible
// request below fails as malloc does rather than ending the process.)
TEST_CASE("allocator: a failed allocation frees the cache and tries again before it is an error",
          "[tensor][allocator]") {
  const Device cpu = Device::cpu();
  { const Tensor t = Tensor::empty({1 << 20}, DType::u8); }  // a cached block
  const AllocatorStats before = allocator_stats(cpu);
  REQUIRE(before.cached_bytes > 0);
  const std::int64_t impossible = std::int64_t{1} << 50;  // 1 PiB of host memory
  CHECK_THROWS_WITH(Tensor::empty({impossible}, DType::u8),
                    Catch::Contains("out of host memory") && Catch::Contains("also after freeing the") &&
                        Catch::Contains("cached bytes"));
  const AllocatorStats after = allocator_stats(cpu);
  CHECK(after.cache_flushes == before.cache_flushes + 1);
  CHECK(after.cached_bytes == 0);
  CHECK(after.current_bytes == before.current_bytes);  // nothing leaked into the live count
  // With the cache already empty there is nothing to free: the first error stands.
  CHECK_THROWS_WITH(Tensor::empty({impossible}, DType::u8), !Catch::Contains("also after freeing"));
  CHECK(allocator_stats(cpu).cache_flushes == after.cache_flushes);
}

TEST_CASE("pinned host tensors: a pool of their own, reused, page-locked where a GPU is usable",
          "[tensor][allocator]") {
  CHECK(pinned_memory_is_page_locked() == (cuda_device_count() > 0));
  const std::int64_t n = 2 * 1024 * 1024 + 3;
  void* first = nullptr;
  {
    Tensor t = Tensor::empty_pinned({n}, DType::u8, Device::cpu());
    CHECK(t.is_pinned());
    CHECK(t.device() == Device::cpu());
    std::memset(t.raw_data(), 7, static_cast<std::size_t>(n));  // ordinary host memory to write
    CHECK(t.narrow0(5, 10).is_pinned());                          // views share the storage
    first = t.raw_data();
  }
  const AllocatorStats before = pinned_allocator_stats(), pageable = allocator_stats(Device::cpu());
  const Tensor again = Tensor::empty_pinned({n}, DType::u8, Device::cpu());
  CHECK(again.raw_data() == first);
  CHECK(pinned_allocator_stats().reuses == before.reuses + 1);
  CHECK(pinned_allocator_stats().system_allocations == before.system_allocations);
  CHECK(allocator_stats(Device::cpu()).current_bytes == pageable.current_bytes);  // not the pageable pool's
  CHECK_FALSE(Tensor::empty({4}).is_pinned());
}

TEST_CASE("device parsing and CPU fallback", "[tensor][device]") {
  CHECK(parse_device("cpu") == Device::cpu());
  CHECK_THROWS_WITH(parse_device("gpu"), Catch::Contains("expected cpu, cuda, cuda:N or auto"));
  if (cuda_device_count() == 0) {
    CHECK(parse_device("auto") == Device::cpu());
    CHECK_THROWS_WITH(parse_device("cuda:0"), Catch::Contains("only 0 usable GPU"));
  }
}

// f32 <-> bf16 on the GPU rounds as on the CPU (kernels/common/bf16.h), bit for bit, on
// fresh random values and on the special ones: ties, NaN, infinities, subnormals, zeros.
TEST_CASE("bf16 conversion on the GPU equals the CPU's bit for bit", "[tensor][cuda]") {
  if (cuda_device_count() == 0) AUTOSPACE_SKIP_TEST("no GPU");
  const std::uint64_t seed = std::random_device{}();
  INFO("seed " << seed);
  std::vector<float> v = test::random_tensor({4096}, seed, -1e4f, 1e4f).to_vector();
  for (float special : {0.f, -0.f, 1.f + 1.f / 256, 1.f + 3.f / 256, std::nanf(""), INFINITY, -INFINITY, 1e-40f, -3e-39f,
                        3.4e38f})
    v.push_back(special);
  const Tensor cpu = Tensor::from_vector(v, {static_cast<std::int64_t>(v.size())});
  const Tensor down_cpu = cpu.to(DType::bf16), down_gpu = cpu.to(Device::cuda()).to(DType::bf16);
  CHECK(down_gpu.device() == Device::cuda());
  const Tensor back = down_gpu.to(Device::cpu());
  CHECK(std::memcmp(back.raw_data(), down_cpu.raw_data(), down_cpu.nbytes()) == 0);
  const Tensor up_cpu = down_cpu.to(DType::f32), up_gpu = down_gpu.to(DType::f32).to(Device::cpu());
  CHECK(std::memcmp(up_gpu.raw_data(), up_cpu.raw_data(), up_cpu.nbytes()) == 0);
  CHECK_THROWS_WITH(cpu.to(Device::cuda()).to(DType::i32), Catch::Contains("only f32 <-> bf16 runs on a GPU"));
}


TEST_CASE("a pinned tensor uploads to the GPU and back byte for byte", "[tensor][cuda]") {
  if (cuda_device_count() == 0) AUTOSPACE_SKIP_TEST("no GPU");
  REQUIRE(pinned_memory_is_page_locked());
  const std::uint64_t seed = std::random_device{}();
  INFO("seed " << seed);
  const Tensor values = test::random_tensor({3 * 224 * 224 * 3 + 5}, seed);
  Tensor pinned = Tensor::empty_pinned(values.shape(), DType::f32, Device::cuda());
  std::memcpy(pinned.raw_data(), values.raw_data(), values.nbytes());
  const Tensor on_gpu = pinned.to(Device::cuda());
  CHECK(on_gpu.device() == Device::cuda());
  const Tensor back = Tensor::empty_pinned(values.shape(), DType::f32, Device::cuda());
  back.copy_from(on_gpu);
  CHECK(std::memcmp(back.raw_data(), values.raw_data(), values.nbytes()) == 0);
}

TEST_CASE("allocator: a private pool keeps its blocks out of the shared cache until it is destroyed",
          "[tensor][allocator]") {
  const Device cpu = Device::cpu();
  const std::int64_t n = 3 * 1024 * 1024 + 11;  // a size class no other test here uses
  const std::size_t cls = allocation_size_class(static_cast<std::size_t>(n));
  void* recorded = nullptr;
  Tensor outlives_pool;
  {
    PrivatePool pool(cpu);
    {
      const PrivatePool::Use use(pool);
      { const Tensor t = Tensor::empty({n}, DType::u8); recorded = t.raw_data(); }
      // Freed inside, reused inside: the pool's work is one ordered sequence.
      const Tensor again = Tensor::empty({n}, DType::u8);
      CHECK(again.raw_data() == recorded);
      CHECK_THROWS_WITH(PrivatePool::Use(pool), Catch::Contains("another private pool is in use"));
      outlives_pool = Tensor::empty({n}, DType::u8);
      CHECK(outlives_pool.raw_data() != recorded);
    }
    CHECK(pool.reserved_bytes() == 2 * cls);
    // Outside, the pool's free block is out of reach: a replay may still write it.
    const Tensor outside = Tensor::empty({n}, DType::u8);
    CHECK(outside.raw_data() != recorded);
    CHECK(outside.raw_data() != outlives_pool.raw_data());
  }
  // Destroyed: its free block went back to the shared cache, and a block a tensor still
  // held goes there when the tensor lets go.
  const Tensor after = Tensor::empty({n}, DType::u8);
  CHECK(after.raw_data() == recorded);
  void* held = outlives_pool.raw_data();
  outlives_pool = Tensor();
  CHECK(Tensor::empty({n}, DType::u8).raw_data() == held);
}
