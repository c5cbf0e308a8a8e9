// The synthetic dataset: deterministic by seed, an ImageFolder tree the loader reads, and
// a class signal that colour statistics do not reveal but image structure does.
#include <array>
#include <cmath>

#include "data/image_folder.h"
#include "data/synthetic.h"
#include "data/tree_check.h"
#include "tests/data/data_test_util.h"

using namespace autospace::data;
using namespace autospace::data::test_util;

namespace {

std::vector<std::uint8_t> render(const SyntheticOptions& o, SyntheticSplit split, int label, int index) {
  std::vector<std::uint8_t> rgb(static_cast<std::size_t>(o.size) * o.size * 3);
  render_synthetic(o, split, label, index, rgb.data());
  return rgb;
}

}  // namespace

TEST_CASE("synthetic images are a function of (seed, split, class, index)", "[data][synthetic]") {
  SyntheticOptions o;
  const auto a = render(o, SyntheticSplit::train, 3, 7);
  CHECK(a == render(o, SyntheticSplit::train, 3, 7));
  CHECK(a != render(o, SyntheticSplit::val, 3, 7));
  CHECK(a != render(o, SyntheticSplit::train, 3, 8));
  SyntheticOptions other = o;
  other.seed = 1;
  CHECK(a != render(other, SyntheticSplit::train, 3, 7));
  const auto names = synthetic_class_names(12);
  CHECK(names[0] == "00_disc_0");
  CHECK(names[7] == "07_triangle_60");
  CHECK(std::is_sorted(names.begin(), names.end()));
}

TEST_CASE("the generator writes a decodable ImageFolder in label order", "[data][synthetic]") {
  TempDir tmp;
  SyntheticOptions o;
  o.classes = 3;
  o.train_per_class = 4;
  o.val_per_class = 2;
  o.size = 24;
  o.threads = 2;
  CHECK(write_synthetic_dataset(tmp.path(), o) == 18);
  CHECK(fs::exists(tmp.path() / "synthetic.json"));
  ImageFolderOptions f;
  f.use_cache = false;
  const auto train = open_image_folder(tmp.path() / "train", f);
  const auto val = open_image_folder(tmp.path() / "val", f);
  CHECK(train->size() == 12);
  CHECK(val->size() == 6);
  CHECK(train->classes() == synthetic_class_names(3));
  CHECK(check_tree(tmp.path()).bad.empty());
  // The same seed writes the same bytes.
  TempDir again;
  write_synthetic_dataset(again.path(), o);
  CHECK(read_bytes(tmp.path() / "train" / train->samples()[5].path) ==
        read_bytes(again.path() / "train" / train->samples()[5].path));
}

TEST_CASE("class is not given away by colour but is carried by structure", "[data][synthetic]") {
  SyntheticOptions o;  // 10 classes: 5 shapes x 2 stripe orientations (0 and 90 degrees)
  const int per_class = 40;
  // Mean colour per image, and the dominant gradient orientation (structure tensor).
  struct Features {
    double mean[3];
    double orientation;  // radians in (-pi/2, pi/2]
  };
  auto features = [&](SyntheticSplit split, int label, int index) {
    const auto rgb = render(o, split, label, index);
    Features f{{0, 0, 0}, 0};
    const int n = o.size;
    auto luma = [&](int x, int y) {
      const std::uint8_t* p = &rgb[(static_cast<std::size_t>(y) * n + x) * 3];
      return 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
    };
    double jxx = 0, jyy = 0, jxy = 0;
    for (int y = 1; y < n - 1; ++y)
      for (int x = 1; x < n - 1; ++x) {
        const double gx = luma(x + 1, y) - luma(x - 1, y), gy = luma(x, y + 1) - luma(x, y - 1);
        jxx += gx * gx;
        jyy += gy * gy;
        jxy += gx * gy;
      }
    for (std::size_t i = 0; i < rgb.size(); ++i) f.mean[i % 3] += rgb[i] / (rgb.size() / 3.0);
    f.orientation = 0.5 * std::atan2(2 * jxy, jxx - jyy);
    return f;
  };

  std::vector<std::array<double, 3>> centroid(10, {0, 0, 0});
  for (int c = 0; c < 10; ++c)
    for (int i = 0; i < per_class; ++i) {
      const Features f = features(SyntheticSplit::train, c, i);
      for (int k = 0; k < 3; ++k) centroid[c][k] += f.mean[k] / per_class;
    }
  int colour_right = 0, orientation_right = 0, total = 0;
  for (int c = 0; c < 10; ++c)
    for (int i = 0; i < per_class; ++i, ++total) {
      const Features f = features(SyntheticSplit::val, c, i);
      int best = 0;
      double best_d = 1e300;
      for (int k = 0; k < 10; ++k) {
        double d = 0;
        for (int j = 0; j < 3; ++j) d += (f.mean[j] - centroid[k][j]) * (f.mean[j] - centroid[k][j]);
        if (d < best_d) best_d = d, best = k;
      }
      colour_right += best == c;
      // Stripes of sector 0 vary along x (gradients horizontal), sector 1 along y.
      const int sector = std::abs(std::cos(f.orientation)) > std::abs(std::sin(f.orientation)) ? 0 : 1;
      orientation_right += sector == c / 5;
    }
  INFO("nearest mean-colour accuracy " << double(colour_right) / total << ", orientation sector accuracy "
                                       << double(orientation_right) / total);
  CHECK(colour_right < total * 0.2);        // chance is 0.1
  CHECK(orientation_right > total * 0.8);   // chance is 0.5
}
