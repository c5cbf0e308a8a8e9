// The JPEG decoder with its pixel cap: the header, a full decode, a scaled decode and a
// cropped decode of every input. A refusal must be a BadImage.
#include <algorithm>

#include "data/bad_file.h"
#include "data/jpeg_decoder.h"
#include "tests/fuzz/fuzz_target.h"

using namespace autospace;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // A cap well under the default keeps a decoded image inside libFuzzer's memory limit.
  static data::JpegDecoder decoder(data::DecodeLimits{.max_pixels = 1 << 22});
  const std::span<const std::uint8_t> bytes(data, size);
  for (const int scale : {8, 2}) {
    try {
      const data::JpegInfo& info = decoder.open(bytes);
      const int w = data::scaled_size(info.width, scale), h = data::scaled_size(info.height, scale);
      if (scale == 8) decoder.decode_all(scale);
      else decoder.decode(scale, {w / 4, h / 4, w / 4 + std::max(1, w / 2), h / 4 + std::max(1, h / 2)});
    } catch (const data::BadImage&) {
    }
  }
  return 0;
}
