#include "data/jpeg_encoder.h"

#include <turbojpeg.h>

#include "kernels/common/check.h"

namespace autospace::data {

namespace {

int tj_subsampling(ChromaSubsampling s) {
  switch (s) {
    case ChromaSubsampling::s444: return TJSAMP_444;
    case ChromaSubsampling::s422: return TJSAMP_422;
    case ChromaSubsampling::s420: return TJSAMP_420;
    case ChromaSubsampling::gray: return TJSAMP_GRAY;
  }
  return TJSAMP_420;
}

}  // namespace

JpegEncoder::JpegEncoder() : handle_(tjInitCompress()) {
  if (!handle_) AUTOSPACE_THROW("TurboJPEG: cannot create a compressor: ", tjGetErrorStr2(nullptr));
}

JpegEncoder::~JpegEncoder() { tjDestroy(handle_); }

std::vector<std::uint8_t> JpegEncoder::encode(const ImageView& rgb, const JpegEncodeOptions& options) {
  const int subsamp = tj_subsampling(options.subsampling);
  // A buffer of the worst-case size lets TurboJPEG write in place without reallocating.
  std::vector<std::uint8_t> out(tjBufSize(rgb.width, rgb.height, subsamp));
  unsigned char* buffer = out.data();
  unsigned long size = static_cast<unsigned long>(out.size());
  const int flags = TJFLAG_NOREALLOC | (options.progressive ? TJFLAG_PROGRESSIVE : 0);
  if (tjCompress2(handle_, rgb.data, rgb.width, static_cast<int>(rgb.stride), rgb.height, TJPF_RGB, &buffer, &size,
                  subsamp, options.quality, flags) != 0)
    AUTOSPACE_THROW("TurboJPEG: encoding a ", rgb.width, "x", rgb.height, " image failed: ", tjGetErrorStr2(handle_));
  out.resize(size);
  return out;
}

}  // namespace autospace::data
