#include "data/file_format.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <string_view>

namespace autospace::data {

namespace {

bool starts_with(std::span<const std::uint8_t> bytes, std::string_view magic, std::size_t at = 0) {
  if (bytes.size() < at + magic.size()) return false;
  return std::equal(magic.begin(), magic.end(), bytes.begin() + static_cast<std::ptrdiff_t>(at),
                    [](char a, std::uint8_t b) { return static_cast<std::uint8_t>(a) == b; });
}

bool starts_with_text_ci(std::span<const std::uint8_t> bytes, std::string_view text) {
  std::size_t i = 0;
  while (i < bytes.size() && std::isspace(bytes[i])) ++i;  // documents often start with whitespace
  if (bytes.size() < i + text.size()) return false;
  for (std::size_t k = 0; k < text.size(); ++k)
    if (std::tolower(bytes[i + k]) != std::tolower(static_cast<unsigned char>(text[k]))) return false;
  return true;
}

}  // namespace

bool looks_like_jpeg(std::span<const std::uint8_t> bytes) {
  return bytes.size() >= 2 && bytes[0] == 0xFF && bytes[1] == 0xD8;
}

std::string describe_format(std::span<const std::uint8_t> bytes) {
  using namespace std::string_view_literals;
  struct Magic {
    std::string_view bytes;
    std::size_t offset;
    const char* name;
  };
  static const Magic kMagics[] = {
      {"\x89PNG\r\n\x1a\n"sv, 0, "PNG image"},
      {"GIF87a"sv, 0, "GIF image"},
      {"GIF89a"sv, 0, "GIF image"},
      {"BM"sv, 0, "BMP image"},
      {"II*\0"sv, 0, "TIFF image"},
      {"MM\0*"sv, 0, "TIFF image"},
      {"WEBP"sv, 8, "WebP image"},
      {"\0\0\0\x0cjP  "sv, 0, "JPEG 2000 image"},
      {"\xff\x4f\xff\x51"sv, 0, "JPEG 2000 codestream"},
      {"ftypavif"sv, 4, "AVIF image"},
      {"ftypheic"sv, 4, "HEIC image"},
      {"ftypmif1"sv, 4, "HEIF image"},
      {"\xff\x0a"sv, 0, "JPEG XL image"},
      {"8BPS"sv, 0, "Photoshop document"},
      {"%PDF"sv, 0, "PDF document"},
      {"PK\x03\x04"sv, 0, "ZIP archive"},
      {"\x1f\x8b"sv, 0, "gzip data"},
  };
  for (const Magic& m : kMagics)
    if (starts_with(bytes, m.bytes, m.offset)) return m.name;
  if (starts_with_text_ci(bytes, "<!doctype html") || starts_with_text_ci(bytes, "<html")) return "HTML document";
  if (starts_with_text_ci(bytes, "<?xml") || starts_with_text_ci(bytes, "<svg")) return "XML/SVG document";
  if (bytes.size() >= 2 && bytes[0] == 'P' && bytes[1] >= '1' && bytes[1] <= '6') return "PNM image";

  std::string out = "unrecognised content (first bytes";
  char hex[4];
  for (std::size_t i = 0; i < std::min<std::size_t>(bytes.size(), 8); ++i) {
    std::snprintf(hex, sizeof hex, " %02x", bytes[i]);
    out += hex;
  }
  return out + ")";
}

}  // namespace autospace::data
