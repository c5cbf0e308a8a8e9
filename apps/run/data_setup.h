#pragma once
// The "data" section of every run description and what the phases build from it:
// datasets (an ImageFolder tree, CIFAR binaries or the generated synthetic set), loaders
// for training, for the held-out split the searchers score on, and for evaluation.
//
//   "data": {
//     "kind": "folder" | "cifar" | "synthetic",
//     "train": "path", "val": "path",        folder: class-folder trees; cifar: the binary folder (both)
//     "val": {"from_train": 0.1, "seed": 0}, or a validation split carved from "train"
//     "synthetic": {"dir": "...", "classes": 10, "train_per_class": 500, "val_per_class": 100, "seed": 0},
//     "resolution": 32, "augment": "cifar" | "imagenet" | "none", "eval_resize": 0 (0: resolution * 8 / 7),
//     "mean": [0.4914, 0.4822, 0.4465], "std": [0.247, 0.243, 0.261],
//     "holdout_fraction": 0.1, "threads": 0, "prefetch": 4, "bad_files": "skip" | "fail",
//     "max_pixels": 100000000
//   }
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "data/loader.h"
#include "data/model_input.h"
#include "nas/json_check.h"

namespace autospace::apps {

struct DataSettings {
  std::string kind = "synthetic";
  std::filesystem::path train, val;
  // val_from_train > 0: no val folder; the evaluation set is this fraction of the training
  // set, carved by the seeded stable rule of data/split.h, and training never sees it.
  double val_from_train = 0;
  std::uint64_t val_split_seed = 0;
  std::filesystem::path synthetic_dir = "runs/synthetic-data";
  int synthetic_classes = 10, synthetic_train_per_class = 500, synthetic_val_per_class = 100;
  std::uint64_t synthetic_seed = 0;
  int resolution = 32;
  std::string augment = "cifar";
  int eval_resize = 0;
  std::vector<float> mean = {0.4914f, 0.4822f, 0.4465f}, stddev = {0.2470f, 0.2435f, 0.2616f};
  double holdout_fraction = 0.1;
  int threads = 0, prefetch = 4;
  std::string bad_files = "skip";
  std::int64_t max_pixels = 100'000'000;

  data::Normalization normalization() const { return {mean, stddev}; }
};

// Reads the section strictly (unknown keys, wrong types and ranges name their JSON path).
DataSettings parse_data_settings(const nas::Json& section, const std::string& path = "data");
// The resolved section (every default written out), as stored in the run directory.
nas::Json to_json(const DataSettings& settings);

struct Datasets {
  std::shared_ptr<const data::Dataset> train;  // the training set (less a carved validation split)
  std::shared_ptr<const data::Dataset> val;    // the evaluation set (the val folder or the carved split)
  int classes = 0;
};
// The folders "train" and "val" name exist (a cheap check, no listing): what `autospace
// run` asks before its first phase, so that a wrong path fails at once, not after hours
// of the phases before the one that opens the data. Errors name the key.
void check_data_paths(const DataSettings& settings, const std::string& path = "data");
// Opens (for "synthetic": generates once into synthetic_dir, then opens) both sets; with
// val_from_train, splits the training set into the two.
Datasets open_datasets(const DataSettings& settings);

// The training set split into the part the weights train on and the held-out part
// architectures are scored on (DESIGN 4.4), by the seeded stable rule of data/split.h.
struct TrainHoldout {
  std::shared_ptr<const data::Dataset> train, holdout;
};
TrainHoldout split_holdout(const Datasets& sets, const DataSettings& settings, std::uint64_t seed);

// A loader over `dataset`: training augmentation (shuffled, last partial batch dropped) or
// the evaluation transform (in order, every sample). With world > 1 the loader yields
// this rank's share of every global step (data/sampler.h), batch_size per rank. Batches
// bound for a GPU `destination` are written into pinned host memory.
std::unique_ptr<data::Loader> make_loader(std::shared_ptr<const data::Dataset> dataset, const DataSettings& settings,
                                          std::int64_t batch_size, bool training, std::uint64_t seed, int rank = 0,
                                          int world = 1, Device destination = Device::cpu());


}  // namespace autospace::apps
