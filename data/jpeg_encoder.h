#pragma once
// JPEG encoding with the TurboJPEG API (the synthetic dataset generator, test fixtures).
#include <cstdint>
#include <vector>

#include "data/image.h"

namespace autospace::data {

enum class ChromaSubsampling : std::uint8_t { s444, s422, s420, gray };

struct JpegEncodeOptions {
  int quality = 90;
  ChromaSubsampling subsampling = ChromaSubsampling::s420;
  bool progressive = false;
};

class JpegEncoder {
 public:
  JpegEncoder();
  ~JpegEncoder();
  JpegEncoder(const JpegEncoder&) = delete;
  JpegEncoder& operator=(const JpegEncoder&) = delete;
  // Encodes an RGB image; throws Error when TurboJPEG fails.
  std::vector<std::uint8_t> encode(const ImageView& rgb, const JpegEncodeOptions& options = {});

 private:
  void* handle_;
};

}  // namespace autospace::data
