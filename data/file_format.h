#pragma once
// Recognises what a file really is from its first bytes, so a PNG saved as .JPEG is
// reported as "PNG image" rather than as a corrupt JPEG.
#include <cstdint>
#include <span>
#include <string>

namespace autospace::data {

bool looks_like_jpeg(std::span<const std::uint8_t> bytes);  // starts with the SOI marker

// A short description of a non-JPEG file's real format ("PNG image", "GIF image",
// "HTML document", ...), or "unrecognised content (first bytes 3f 9c ...)".
std::string describe_format(std::span<const std::uint8_t> bytes);

}  // namespace autospace::data
