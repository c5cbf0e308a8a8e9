#include "data/split.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>

#include "engine/core/hash.h"
#include "kernels/common/check.h"

namespace autospace::data {

Split split_train_val(const Dataset& dataset, double val_fraction, std::uint64_t seed, RngPurpose purpose) {
  if (!(val_fraction >= 0 && val_fraction < 1)) AUTOSPACE_THROW("val_fraction must be in [0, 1), got ", val_fraction);
  struct Ranked {
    std::uint64_t rank;
    std::string id;
    std::size_t index;
  };
  std::map<std::int64_t, std::vector<Ranked>> by_class;
  for (std::size_t i = 0; i < dataset.size(); ++i) {
    std::string id = dataset.id(i);
    const std::uint64_t h = fnv1a64(id);
    // The name's hash picks the Philox counter and the seed keys it, so changing the seed
    // reshuffles every class independently of the names' own hash order.
    const RngKey key{seed, purpose, static_cast<std::uint32_t>(h >> 32), static_cast<std::uint32_t>(h)};
    const auto stream = key.stream();
    const std::uint64_t rank = (static_cast<std::uint64_t>(stream.bits(0)) << 32) | stream.bits(1);
    by_class[dataset.label(i)].push_back({rank, std::move(id), i});
  }
  Split split;
  for (auto& [label, members] : by_class) {
    std::sort(members.begin(), members.end(),
              [](const Ranked& a, const Ranked& b) { return a.rank != b.rank ? a.rank < b.rank : a.id < b.id; });
    const auto n_val = static_cast<std::size_t>(std::llround(val_fraction * static_cast<double>(members.size())));
    for (std::size_t k = 0; k < members.size(); ++k) (k < n_val ? split.val : split.train).push_back(members[k].index);
  }
  std::sort(split.train.begin(), split.train.end());
  std::sort(split.val.begin(), split.val.end());
  return split;
}

}  // namespace autospace::data
