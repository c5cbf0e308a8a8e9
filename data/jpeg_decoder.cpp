#include "data/jpeg_decoder.h"

// jpeglib.h needs FILE and size_t declared first.
#include <algorithm>
#include <csetjmp>
#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

#include <jpeglib.h>
#include <jerror.h>

#include "data/bad_file.h"
#include "data/file_format.h"

namespace autospace::data {

const char* jpeg_color_name(JpegColor color) {
  switch (color) {
    case JpegColor::gray: return "grayscale";
    case JpegColor::rgb: return "RGB";
    case JpegColor::ycbcr: return "YCbCr";
    case JpegColor::cmyk: return "CMYK";
    case JpegColor::ycck: return "YCCK";
    case JpegColor::unknown: break;
  }
  return "unknown";
}

int scaled_size(int size, int scale_num) { return static_cast<int>((static_cast<std::int64_t>(size) * scale_num + 7) / 8); }

int choose_scale(double box_w, double box_h, int out_w, int out_h) {
  for (int num : {1, 2, 4})
    if (box_w * num / 8 >= out_w && box_h * num / 8 >= out_h) return num;
  return 8;
}

namespace {

// libjpeg reports fatal errors through error_exit, which must not return: we longjmp back
// to the decoder call that started the libjpeg work. Every function that calls setjmp
// below keeps only trivially destructible locals alive across libjpeg calls, which is
// what makes the longjmp well-defined in C++.
struct ErrorManager {
  jpeg_error_mgr pub;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
  bool hit_eof;
};

void on_error(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

void on_message(j_common_ptr cinfo, int level) {
  if (level >= 0) return;  // trace messages
  auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
  // The memory source inserts a fake EOI when the data runs out and warns once; the
  // decoder then fills the missing rows with grey, which must not reach a batch.
  if (cinfo->err->msg_code == JWRN_JPEG_EOF) err->hit_eof = true;
  ++cinfo->err->num_warnings;
}

JpegColor color_of(J_COLOR_SPACE cs) {
  switch (cs) {
    case JCS_GRAYSCALE: return JpegColor::gray;
    case JCS_RGB: return JpegColor::rgb;
    case JCS_YCbCr: return JpegColor::ycbcr;
    case JCS_CMYK: return JpegColor::cmyk;
    case JCS_YCCK: return JpegColor::ycck;
    default: return JpegColor::unknown;
  }
}

bool ends_with_eoi(std::span<const std::uint8_t> bytes) {
  return bytes.size() >= 2 && bytes[bytes.size() - 2] == 0xFF && bytes.back() == 0xD9;
}

// Adobe applications write CMYK with 0 meaning full ink; other writers use 255.
void cmyk_to_rgb(const std::uint8_t* cmyk, std::uint8_t* rgb, std::size_t pixels, bool inverted) {
  for (std::size_t i = 0; i < pixels; ++i, cmyk += 4, rgb += 3) {
    const unsigned k = inverted ? cmyk[3] : 255u - cmyk[3];
    for (int c = 0; c < 3; ++c) {
      const unsigned v = inverted ? cmyk[c] : 255u - cmyk[c];
      rgb[c] = static_cast<std::uint8_t>((v * k + 127) / 255);
    }
  }
}

}  // namespace

struct JpegDecoder::Impl {
  jpeg_decompress_struct cinfo{};
  ErrorManager err{};
  DecodeLimits limits;
  JpegInfo info;
  std::span<const std::uint8_t> bytes;
  bool opened = false;
  std::vector<std::uint8_t> samples;  // decoded rows, 3 or 4 components
  std::vector<std::uint8_t> rgb;      // CMYK converted to RGB
  std::vector<std::uint8_t> scratch_row;
  std::vector<JSAMPROW> rows;

  [[noreturn]] void fail() {
    jpeg_abort_decompress(&cinfo);
    opened = false;
    if (err.hit_eof) throw BadImage(BadKind::truncated, std::string("truncated: ") + err.message);
    throw BadImage(BadKind::corrupt, std::string("corrupt JPEG: ") + err.message);
  }

  void open(std::span<const std::uint8_t> data) {
    if (opened) jpeg_abort_decompress(&cinfo);
    opened = false;
    bytes = data;
    err.hit_eof = false;
    err.pub.num_warnings = 0;
    if (data.empty()) throw BadImage(BadKind::zero_bytes, "zero bytes: the file is empty");
    if (!looks_like_jpeg(data)) throw BadImage(BadKind::not_jpeg, "not a JPEG: " + describe_format(data));
    if (setjmp(err.jump)) fail();
    jpeg_mem_src(&cinfo, data.data(), static_cast<unsigned long>(data.size()));
    jpeg_read_header(&cinfo, TRUE);
    info.width = static_cast<int>(cinfo.image_width);
    info.height = static_cast<int>(cinfo.image_height);
    info.components = cinfo.num_components;
    info.color = color_of(cinfo.jpeg_color_space);
    info.progressive = cinfo.progressive_mode;
    info.adobe = cinfo.saw_Adobe_marker;
    const std::int64_t pixels = static_cast<std::int64_t>(info.width) * info.height;
    if (pixels > limits.max_pixels) {
      jpeg_abort_decompress(&cinfo);
      throw BadImage(BadKind::too_large, "too large: " + std::to_string(info.width) + "x" + std::to_string(info.height) +
                                             " = " + std::to_string(pixels) + " pixels exceeds max_pixels " +
                                             std::to_string(limits.max_pixels));
    }
    opened = true;
  }

  ImageView decode(int scale_num, PixelRect region) {
    if (!opened) throw Error("JpegDecoder::decode without a successful open()");
    opened = false;
    if (setjmp(err.jump)) fail();
    const bool cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
    cinfo.scale_num = static_cast<unsigned>(scale_num);
    cinfo.scale_denom = 8;
    cinfo.out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
    jpeg_start_decompress(&cinfo);
    const int full_w = static_cast<int>(cinfo.output_width);
    const int full_h = static_cast<int>(cinfo.output_height);
    region.x0 = std::max(region.x0, 0);
    region.y0 = std::max(region.y0, 0);
    region.x1 = std::min(region.x1, full_w);
    region.y1 = std::min(region.y1, full_h);
    if (region.x1 <= region.x0 || region.y1 <= region.y0) {
      jpeg_abort_decompress(&cinfo);
      throw Error("JpegDecoder::decode: empty region");
    }
    JDIMENSION x0 = 0;
    JDIMENSION width = static_cast<JDIMENSION>(full_w);
    if (region.width() < full_w) {
      // The chroma upsampler replicates the edge samples of a cropped band, so its first
      // and last columns differ from a full decode: two more columns each side keep the
      // requested ones exact.
      const int lo = std::max(region.x0 - 2, 0), hi = std::min(region.x1 + 2, full_w);
      x0 = static_cast<JDIMENSION>(lo);
      width = static_cast<JDIMENSION>(hi - lo);
      jpeg_crop_scanline(&cinfo, &x0, &width);
    }
    const int comps = cinfo.output_components;
    const std::size_t stride = static_cast<std::size_t>(width) * comps;
    const int height = region.height();
    samples.resize(stride * height);
    rows.resize(height);
    for (int r = 0; r < height; ++r) rows[r] = samples.data() + stride * r;
    if (region.y0 > 0) jpeg_skip_scanlines(&cinfo, static_cast<JDIMENSION>(region.y0));
    while (cinfo.output_scanline < static_cast<JDIMENSION>(region.y1)) {
      const JDIMENSION done = cinfo.output_scanline - static_cast<JDIMENSION>(region.y0);
      jpeg_read_scanlines(&cinfo, rows.data() + done, static_cast<JDIMENSION>(region.y1) - cinfo.output_scanline);
    }
    // A file ending in EOI holds all its data. Otherwise (truncated, or trailing bytes
    // after EOI) entropy-decode the rows we did not need, so that truncation is detected
    // whatever the crop.
    if (!ends_with_eoi(bytes) && cinfo.output_scanline < static_cast<JDIMENSION>(full_h)) {
      const JDIMENSION last = static_cast<JDIMENSION>(full_h - 1);
      if (cinfo.output_scanline < last) jpeg_skip_scanlines(&cinfo, last - cinfo.output_scanline);
      scratch_row.resize(stride);
      JSAMPROW row = scratch_row.data();
      jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_abort_decompress(&cinfo);
    if (err.hit_eof) throw BadImage(BadKind::truncated, "truncated: the JPEG data ends before the image does");

    const std::uint8_t* pixels = samples.data();
    if (cmyk) {
      rgb.resize(static_cast<std::size_t>(width) * 3 * height);
      cmyk_to_rgb(samples.data(), rgb.data(), static_cast<std::size_t>(width) * height, info.adobe);
      pixels = rgb.data();
    }
    return {pixels, static_cast<int>(width), height, static_cast<std::ptrdiff_t>(width) * 3, static_cast<int>(x0),
            region.y0};
  }
};

JpegDecoder::JpegDecoder(DecodeLimits limits) : impl_(std::make_unique<Impl>()) {
  Impl& d = *impl_;
  d.limits = limits;
  d.cinfo.err = jpeg_std_error(&d.err.pub);
  d.err.pub.error_exit = on_error;
  d.err.pub.emit_message = on_message;
  if (setjmp(d.err.jump)) throw Error(std::string("libjpeg initialisation failed: ") + d.err.message);
  jpeg_create_decompress(&d.cinfo);
}

JpegDecoder::~JpegDecoder() { jpeg_destroy_decompress(&impl_->cinfo); }

const JpegInfo& JpegDecoder::open(std::span<const std::uint8_t> bytes) {
  impl_->open(bytes);
  return impl_->info;
}

ImageView JpegDecoder::decode(int scale_num, PixelRect region) { return impl_->decode(scale_num, region); }

ImageView JpegDecoder::decode_all(int scale_num) {
  return decode(scale_num, {0, 0, scaled_size(impl_->info.width, scale_num), scaled_size(impl_->info.height, scale_num)});
}

}  // namespace autospace::data
