#pragma once
// A seeded, stable train/validation split of a training set (the searchers score
// architectures on data the weights never saw). Within each class, samples are ranked by
// a seeded hash of their id (relative path or "file#record") and the first
// round(val_fraction * class size) go to validation. The rule depends only on the seed and
// the ids, never on listing order or on where the data is mounted, and it is stratified:
// every class keeps its proportion. Adding a file moves at most one other per class.
#include <cstdint>
#include <vector>

#include "data/dataset.h"
#include "engine/rng/rng.h"

namespace autospace::data {

struct Split {
  std::vector<std::size_t> train, val;  // dataset indices, ascending
};

// `purpose` keys the hash: two splits of one set with different purposes (a validation
// split carved once, then the searchers' held-out part of the rest) are independent even
// under the same seed.
Split split_train_val(const Dataset& dataset, double val_fraction, std::uint64_t seed,
                      RngPurpose purpose = RngPurpose::data_split);

}  // namespace autospace::data
