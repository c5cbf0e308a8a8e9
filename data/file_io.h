#pragma once
// Whole-file reads into a reused buffer, failing with a BadImage that says why.
#include <cstdint>
#include <filesystem>
#include <vector>

namespace autospace::data {

// Replaces `out` with the file's bytes. Throws BadImage (unreadable, zero_bytes).
void read_file(const std::filesystem::path& path, std::vector<std::uint8_t>& out);

}  // namespace autospace::data
