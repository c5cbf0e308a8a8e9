#include "data/synthetic.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "data/jpeg_encoder.h"
#include "data/parallel.h"
#include "engine/rng/rng.h"
#include "kernels/common/check.h"

namespace autospace::data {

namespace fs = std::filesystem;

namespace {

constexpr int kShapes = 5;
constexpr const char* kShapeNames[kShapes] = {"disc", "square", "triangle", "ring", "cross"};
constexpr double kPi = 3.14159265358979323846;

int sectors(int classes) { return (classes + kShapes - 1) / kShapes; }

struct Color {
  double r, g, b;
};

Color random_color(Rng& rng) { return {255.0 * rng.uniform(), 255.0 * rng.uniform(), 255.0 * rng.uniform()}; }

double luma(const Color& c) { return 0.299 * c.r + 0.587 * c.g + 0.114 * c.b; }

Color mix(const Color& a, const Color& b, double t) {
  return {a.r + (b.r - a.r) * t, a.g + (b.g - a.g) * t, a.b + (b.b - a.b) * t};
}

// Signed distance (pixels, negative inside) from p to a shape of "radius" r centred at the
// origin, in the shape's own rotated frame.
double shape_distance(int shape, double x, double y, double r) {
  switch (shape) {
    case 0: return std::hypot(x, y) - r;
    case 1: return std::max(std::abs(x), std::abs(y)) - 0.8 * r;
    case 2: return std::max(std::abs(x) * 0.8660254 + y * 0.5, -y) - 0.5 * r;
    case 3: return std::abs(std::hypot(x, y) - 0.7 * r) - 0.3 * r;
    default:
      return std::min(std::max(std::abs(x) - r, std::abs(y) - 0.35 * r), std::max(std::abs(x) - 0.35 * r, std::abs(y) - r));
  }
}

struct Placed {
  int shape;
  double cx, cy, r, cos_rot, sin_rot;
  // Coverage of pixel centre (x, y): a one-pixel soft edge keeps small images antialiased.
  double coverage(double x, double y) const {
    const double dx = x - cx, dy = y - cy;
    const double u = dx * cos_rot + dy * sin_rot, v = -dx * sin_rot + dy * cos_rot;
    return std::clamp(0.5 - shape_distance(shape, u, v, r), 0.0, 1.0);
  }
};

RngKey rng_key(const SyntheticOptions& options, SyntheticSplit split, int label, int index) {
  return {options.seed, RngPurpose::synthetic_data, (static_cast<std::uint32_t>(split) << 16) | static_cast<std::uint32_t>(label),
          static_cast<std::uint32_t>(index)};
}

Placed place(Rng& rng, int shape, double size, double r_lo, double r_hi) {
  const double r = size * (r_lo + (r_hi - r_lo) * rng.uniform());
  const double cx = r * 0.6 + (size - 1.2 * r) * rng.uniform();
  const double cy = r * 0.6 + (size - 1.2 * r) * rng.uniform();
  const double rot = 2 * kPi * rng.uniform();
  return {shape, cx, cy, r, std::cos(rot), std::sin(rot)};
}

}  // namespace

void SyntheticOptions::validate() const {
  if (classes < 2 || classes > 10000) AUTOSPACE_THROW("classes must be in [2, 10000], got ", classes);
  if (train_per_class < 0 || val_per_class < 0) AUTOSPACE_THROW("images per class must be >= 0");
  if (train_per_class + val_per_class == 0) AUTOSPACE_THROW("no images requested");
  if (size < 8 || size > 4096) AUTOSPACE_THROW("size must be in [8, 4096], got ", size);
  if (quality < 1 || quality > 100) AUTOSPACE_THROW("quality must be in [1, 100], got ", quality);
}

std::vector<std::string> synthetic_class_names(int classes) {
  const int digits = static_cast<int>(std::to_string(classes - 1).size());
  const int n_sectors = sectors(classes);
  std::vector<std::string> names;
  for (int c = 0; c < classes; ++c) {
    const int degrees = static_cast<int>(std::lround(180.0 * (c / kShapes) / n_sectors));
    char name[64];
    std::snprintf(name, sizeof name, "%0*d_%s_%d", digits, c, kShapeNames[c % kShapes], degrees);
    names.push_back(name);
  }
  return names;
}

void render_synthetic(const SyntheticOptions& options, SyntheticSplit split, int label, int index, std::uint8_t* rgb) {
  const double size = options.size;
  Rng rng(rng_key(options, split, label, index));
  // Nuisance: background gradient.
  const Color bg0 = random_color(rng), bg1 = random_color(rng);
  const double bg_angle = 2 * kPi * rng.uniform();
  const double gx = std::cos(bg_angle) / size, gy = std::sin(bg_angle) / size;
  // Nuisance: a solid distractor of another shape.
  const int distractor_shape = (label % kShapes + 1 + static_cast<int>(rng.below(kShapes - 1))) % kShapes;
  const Placed distractor = place(rng, distractor_shape, size, 0.10, 0.18);
  const Color distractor_color = random_color(rng);
  // The class: shape and stripe orientation sector (jittered within a half sector).
  const int n_sectors = sectors(options.classes);
  const double sector = kPi / n_sectors;
  const double stripe_angle = sector * (label / kShapes + 0.5 * (rng.uniform() - 0.5));
  const Placed object = place(rng, label % kShapes, size, 0.25, 0.40);
  const double period = std::max(4.0, size * (0.16 + 0.10 * rng.uniform()));
  const double phase = 2 * kPi * rng.uniform();
  const double sx = std::cos(stripe_angle), sy = std::sin(stripe_angle);
  Color a = random_color(rng), b = random_color(rng);
  while (std::abs(luma(a) - luma(b)) < 60) b = random_color(rng);  // stripes must be visible
  const double noise = 4.0 + 6.0 * rng.uniform();

  // Pixel noise reads the same stream far beyond the draws above, indexed by pixel, so
  // it never shifts when the drawing code changes how many numbers it takes.
  const auto stream = rng_key(options, split, label, index).stream();
  constexpr std::uint64_t kNoiseBase = std::uint64_t{1} << 32;
  const int n = options.size;
  for (int y = 0; y < n; ++y) {
    for (int x = 0; x < n; ++x) {
      const double px = x + 0.5, py = y + 0.5;
      Color c = mix(bg0, bg1, std::clamp(0.5 + (px - size / 2) * gx + (py - size / 2) * gy, 0.0, 1.0));
      c = mix(c, distractor_color, distractor.coverage(px, py));
      const double stripe = std::sin(2 * kPi * (px * sx + py * sy) / period + phase);
      c = mix(c, mix(a, b, 0.5 + 0.5 * std::clamp(2 * stripe, -1.0, 1.0)), object.coverage(px, py));
      const std::size_t at = (static_cast<std::size_t>(y) * n + x) * 3;
      const double v[3] = {c.r, c.g, c.b};
      for (int k = 0; k < 3; ++k) {
        const double u = stream.uniform(kNoiseBase + at + k) - 0.5;  // uniform noise of std `noise`
        rgb[at + k] = static_cast<std::uint8_t>(std::clamp(std::lround(v[k] + noise * 3.4641016 * u), 0L, 255L));
      }
    }
  }
}

std::int64_t write_synthetic_dataset(const fs::path& out, const SyntheticOptions& options) {
  options.validate();
  const std::vector<std::string> names = synthetic_class_names(options.classes);
  struct Job {
    SyntheticSplit split;
    int label, index;
  };
  std::vector<Job> jobs;
  for (SyntheticSplit split : {SyntheticSplit::train, SyntheticSplit::val}) {
    const int per_class = split == SyntheticSplit::train ? options.train_per_class : options.val_per_class;
    for (int c = 0; c < options.classes; ++c) {
      if (per_class > 0) fs::create_directories(out / (split == SyntheticSplit::train ? "train" : "val") / names[c]);
      for (int i = 0; i < per_class; ++i) jobs.push_back({split, c, i});
    }
  }
  const int threads = resolve_threads(options.threads);
  std::vector<JpegEncoder> encoders(static_cast<std::size_t>(threads));
  std::vector<std::vector<std::uint8_t>> pixels(static_cast<std::size_t>(threads),
                                                std::vector<std::uint8_t>(static_cast<std::size_t>(options.size) * options.size * 3));
  parallel_for(jobs.size(), threads, [&](std::size_t j, int worker) {
    const Job& job = jobs[j];
    std::vector<std::uint8_t>& rgb = pixels[static_cast<std::size_t>(worker)];
    render_synthetic(options, job.split, job.label, job.index, rgb.data());
    const ImageView view{rgb.data(), options.size, options.size, static_cast<std::ptrdiff_t>(options.size) * 3};
    JpegEncodeOptions encode;
    encode.quality = options.quality;
    const std::vector<std::uint8_t> jpeg = encoders[static_cast<std::size_t>(worker)].encode(view, encode);
    char name[32];
    std::snprintf(name, sizeof name, "%06d.jpg", job.index);
    const fs::path path = out / (job.split == SyntheticSplit::train ? "train" : "val") / names[job.label] / name;
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file.write(reinterpret_cast<const char*>(jpeg.data()), static_cast<std::streamsize>(jpeg.size()));
    if (!file) AUTOSPACE_THROW("cannot write ", path.string());
  });

  const nlohmann::json meta = {{"generator", "autospace-datagen"},
                               {"classes", options.classes},
                               {"train_per_class", options.train_per_class},
                               {"val_per_class", options.val_per_class},
                               {"size", options.size},
                               {"seed", options.seed},
                               {"quality", options.quality},
                               {"class_names", names}};
  std::ofstream(out / "synthetic.json") << meta.dump(2) << '\n';
  return static_cast<std::int64_t>(jobs.size());
}

}  // namespace autospace::data
