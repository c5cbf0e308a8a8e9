#include "engine/ops/normalize.h"

#include "engine/ops/kernel_table.h"
#include "engine/ops/op_support.h"
#include "kernels/cpu/normalize.h"
#include "kernels/cuda/normalize.h"

namespace autospace::ops {

namespace {

const KernelTable<decltype(kernels::cpu::normalize_image)> kNormalizeImage{"normalize_image",
                                                                           {AUTOSPACE_F32_KERNELS(normalize_image)}};

}  // namespace

Tensor normalize_image(const Tensor& images, const std::vector<float>& mean, const std::vector<float>& stddev) {
  AUTOSPACE_CHECK(images.defined() && images.dtype() == DType::u8, "normalize_image: images must be u8");
  expect_rank(images, 4, "normalize_image", "images");
  const std::int64_t channels = images.dim(3);
  AUTOSPACE_CHECK(static_cast<std::int64_t>(mean.size()) == channels && static_cast<std::int64_t>(stddev.size()) == channels,
                  "normalize_image: ", mean.size(), " means and ", stddev.size(), " deviations for ", channels,
                  " channels");
  for (float s : stddev) AUTOSPACE_CHECK(s > 0.f, "normalize_image: standard deviations must be positive, got ", s);
  Tensor out = Tensor::empty(images.shape(), DType::f32, images.device());
  const std::int64_t pixels = images.numel() / channels;
  kNormalizeImage(images.device(), DType::f32)(pixels, static_cast<int>(channels), images.data<std::uint8_t>(),
                                               mean.data(), stddev.data(), out.data<float>());
  return out;
}

}  // namespace autospace::ops
