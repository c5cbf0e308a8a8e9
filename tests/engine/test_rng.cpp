#include <catch2/catch.hpp>
#include <cmath>

#include "engine/rng/rng.h"

using namespace autospace;

TEST_CASE("Philox4x32-10 matches the published known-answer vectors", "[rng]") {
  // Known-answer tests from the Random123 distribution (kat_vectors, philox4x32 10 rounds).
  auto z = kernels::philox4x32_10(0, 0, 0, 0, 0, 0);
  CHECK(z.v[0] == 0x6627e8d5u);
  CHECK(z.v[1] == 0xe169c58du);
  CHECK(z.v[2] == 0xbc57ac4cu);
  CHECK(z.v[3] == 0x9b00dbd8u);
  auto f = kernels::philox4x32_10(0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu);
  CHECK(f.v[0] == 0x408f276du);
  CHECK(f.v[1] == 0x41c83b0eu);
  CHECK(f.v[2] == 0xa20bc7c6u);
  CHECK(f.v[3] == 0x6d5451fdu);
  auto p = kernels::philox4x32_10(0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u, 0xa4093822u, 0x299f31d0u);
  CHECK(p.v[0] == 0xd16cfe09u);
  CHECK(p.v[1] == 0x94fdccebu);
  CHECK(p.v[2] == 0x5001e420u);
  CHECK(p.v[3] == 0x24126ea1u);
}

TEST_CASE("streams are keyed by seed, purpose, epoch and step", "[rng]") {
  const RngKey base{42, RngPurpose::dropout, 3, 7};
  Rng a(base), b(base);
  for (int i = 0; i < 100; ++i) REQUIRE(a.next_u32() == b.next_u32());
  auto first = [](RngKey k) { return Rng(k).next_u64(); };
  const auto x = first(base);
  CHECK(first({43, RngPurpose::dropout, 3, 7}) != x);
  CHECK(first({42, RngPurpose::data_order, 3, 7}) != x);
  CHECK(first({42, RngPurpose::dropout, 4, 7}) != x);
  CHECK(first({42, RngPurpose::dropout, 3, 8}) != x);
  // Random access equals sequential reading: element i is independent of how we got there.
  Rng seq(base);
  const auto stream = base.stream();
  for (std::uint64_t i = 0; i < 9; ++i) REQUIRE(seq.next_u32() == stream.bits(i));
}

TEST_CASE("uniform, normal and below have the right statistics", "[rng]") {
  Rng r({7, RngPurpose::test, 0, 0});
  const int n = 200000;
  double sum = 0, sum2 = 0, usum = 0;
  std::vector<int> counts(7, 0);
  for (int i = 0; i < n; ++i) {
    const double x = r.normal();
    sum += x;
    sum2 += x * x;
    const float u = r.uniform();
    REQUIRE(u >= 0.f);
    REQUIRE(u < 1.f);
    usum += u;
    ++counts[r.below(7)];
  }
  CHECK(std::abs(sum / n) < 0.01);
  CHECK(std::abs(sum2 / n - 1.0) < 0.02);
  CHECK(std::abs(usum / n - 0.5) < 0.005);
  for (int c : counts) CHECK(std::abs(c - n / 7.0) < 0.03 * n / 7.0);

  Tensor t = random_normal({1000, 100}, {1, RngPurpose::test, 0, 0}, 2.f, 0.5f);
  double m = 0;
  for (float v : t.to_vector()) m += v;
  CHECK(std::abs(m / t.numel() - 2.0) < 0.01);
}
