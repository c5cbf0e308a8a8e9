#pragma once
// The synthetic dataset behind the quick start (autospace-datagen): N classes of
// procedurally drawn images, JPEG-encoded into an ImageFolder tree with train and val
// splits. A class is a (shape, stripe orientation) pair: five shapes (disc, square,
// triangle, ring, cross) times ceil(N / 5) orientation sectors of the stripes filling the
// shape. Everything else is nuisance drawn per image: background gradient colours and
// direction, object and stripe colours, position, size, rotation, stripe period and
// phase, a solid distractor shape of another kind, and pixel noise. Colour and position
// carry no class information, so the task needs shape and texture features (learnable by
// a small CNN, not by colour statistics). Every image is a function of (seed, split,
// class, index) only.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace autospace::data {

struct SyntheticOptions {
  int classes = 10;
  int train_per_class = 500;
  int val_per_class = 100;
  int size = 32;  // images are size x size
  std::uint64_t seed = 0;
  int quality = 90;
  int threads = 0;  // <= 0: all cores
  void validate() const;  // throws Error naming the bad field
};

enum class SyntheticSplit : std::uint8_t { train = 0, val = 1 };

// Folder names of the classes, e.g. "03_ring_0": sorted by name they are in label order.
std::vector<std::string> synthetic_class_names(int classes);

// Draws image `index` of class `label` of a split into rgb (size * size * 3 bytes).
void render_synthetic(const SyntheticOptions& options, SyntheticSplit split, int label, int index, std::uint8_t* rgb);

// Writes out/train/<class>/<index>.jpg, out/val/<class>/<index>.jpg and out/synthetic.json
// (the options, for reproducibility). Returns the number of images written.
std::int64_t write_synthetic_dataset(const std::filesystem::path& out, const SyntheticOptions& options);

}  // namespace autospace::data
