#pragma once
// Remembers the file listing of an ImageFolder tree so that a 1.28M-file ImageNet tree is
// not walked again on every run. A listing is valid while every directory it walked keeps
// the modification time it had when it was walked: adding, removing or renaming a file or
// class folder changes its parent directory's mtime, which invalidates the cache. Files
// edited in place do not change the listing and need no rescan.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "data/file_dataset.h"

namespace autospace::data {

struct DirStamp {
  std::string path;  // relative to the root; "" for the root itself
  std::int64_t mtime_ns = 0;
};

struct FileList {
  std::vector<std::string> classes;
  std::vector<FileSample> files;
  std::vector<DirStamp> dirs;    // every directory walked, stamped before it was listed
  std::int64_t scanned_at_ns = 0;  // when the walk began (filesystem clock), not stored
};

// Modification time of a directory in ns on the filesystem clock; throws Error.
std::int64_t mtime_ns(const std::filesystem::path& path);

class FileListCache {
 public:
  explicit FileListCache(std::filesystem::path dir);
  // io::default_cache_dir(): $AUTOSPACE_CACHE_DIR, else $XDG_CACHE_HOME/autospace, ...
  static std::filesystem::path default_dir();

  // The cache file of a (canonical) dataset root.
  std::filesystem::path file_for(const std::filesystem::path& root) const;
  // The cached listing, or nothing when absent, unreadable, for another root or stale.
  std::optional<FileList> load(const std::filesystem::path& root) const;
  // Writes the listing atomically. Returns false without writing when the listing cannot
  // be trusted later: a directory changed within the timestamp granularity of the walk
  // (a later change could keep the same mtime), or a name holds a newline. Throws Error
  // when the cache directory is not writable.
  bool store(const std::filesystem::path& root, const FileList& list) const;

 private:
  std::filesystem::path dir_;
};

}  // namespace autospace::data
