#pragma once
// The image transforms, split into a random "plan" (which pixels go where, drawn from a
// per-sample counter-based stream, so it depends only on (seed, epoch, sample index)) and
// its execution (decode + resample, see sample_renderer.h). Output is always a square of
// size x size RGB uint8 pixels; normalisation happens later on the target device.
#include <cstdint>

#include "data/image.h"
#include "engine/rng/rng.h"

namespace autospace::data {

enum class TransformKind : std::uint8_t {
  random_resized_crop,  // training: torchvision RandomResizedCrop + RandomHorizontalFlip
  resize_center_crop,   // evaluation: Resize(shorter side = resize) + CenterCrop(size)
  pad_crop,             // CIFAR training: RandomCrop(size, padding) + RandomHorizontalFlip
};

struct TransformConfig {
  TransformKind kind = TransformKind::random_resized_crop;
  int size = 224;  // output is size x size
  double scale_min = 0.08, scale_max = 1.0;          // random_resized_crop: area fraction
  double ratio_min = 3.0 / 4.0, ratio_max = 4.0 / 3.0;  // random_resized_crop: aspect w/h
  bool flip = true;   // random horizontal flip with p = 0.5 (training kinds)
  int resize = 256;   // resize_center_crop: shorter side before the crop (>= size)
  int padding = 4;    // pad_crop: zero padding on every side

  static TransformConfig train(int size = 224);
  static TransformConfig eval(int size = 224, int resize = 256);
  static TransformConfig cifar_train(int size = 32, int padding = 4);
  void validate() const;  // throws Error naming the bad field
};

// torchvision's RandomResizedCrop.get_params, draw for draw: up to ten proposals of an
// area fraction in [scale_min, scale_max] and a log-uniform aspect ratio, the first that
// fits wins, placed uniformly; otherwise the centred crop of the clamped aspect ratio.
struct CropParams {
  int top = 0, left = 0, height = 0, width = 0;
};
CropParams random_resized_crop_params(int width, int height, const TransformConfig& config, Rng& rng);

// One sample's transform, fixed before any pixel is decoded.
struct SamplePlan {
  bool pad_crop = false;
  Box box;         // resampled source region (resampling kinds)
  PixelRect clip;  // source pixels the filter may read
  int offset_x = 0, offset_y = 0;  // pad_crop: image position of the output's top-left pixel
  bool flip = false;
};
SamplePlan plan_sample(const TransformConfig& config, int width, int height, Rng& rng);

// Output pixel (x, y) = image pixel (offset_x + x, offset_y + y), black outside the image.
void pad_crop(const ImageView& image, int offset_x, int offset_y, int size, bool flip, std::uint8_t* dst);

}  // namespace autospace::data
