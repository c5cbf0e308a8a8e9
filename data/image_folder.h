#pragma once
// torchvision's ImageFolder layout: root/<class>/**/<image>. Classes are the sub-folders
// of root sorted by name (byte order), labels their positions; the files of a class are
// found recursively and sorted by relative path. Files are selected by torchvision's image
// extensions, so a PNG in the tree is kept and later reported as "not a JPEG".
#include <filesystem>
#include <memory>

#include "data/file_dataset.h"
#include "data/file_list_cache.h"

namespace autospace::data {

struct ImageFolderOptions {
  bool use_cache = true;
  std::filesystem::path cache_dir;  // empty: FileListCache::default_dir()
  int threads = 0;                  // for the walk; <= 0: all cores
};

bool has_image_extension(const std::filesystem::path& path);

// Walks the tree (no cache). Throws Error when root is not a directory, has no class
// folders, or a class folder holds no image.
FileList scan_image_folder(const std::filesystem::path& root, int threads = 0);

// The dataset of an ImageFolder tree, from the file-list cache when it is still valid.
std::shared_ptr<FileDataset> open_image_folder(const std::filesystem::path& root, const ImageFolderOptions& options = {});

}  // namespace autospace::data
