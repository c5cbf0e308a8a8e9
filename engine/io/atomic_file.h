#pragma once
#include <filesystem>
#include <string_view>

namespace autospace::io {

// Writes `bytes` to `path` so that a reader (or a run killed at any moment) sees either
// the old file or the complete new one: temp file in the same directory, fsync, rename,
// fsync of the directory. Throws Error naming the path and the failing call.
void write_file_atomically(const std::filesystem::path& path, std::string_view bytes);

}  // namespace autospace::io
