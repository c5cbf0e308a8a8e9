#include "data/image_folder.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>

#include "data/parallel.h"
#include "kernels/common/check.h"

namespace autospace::data {

namespace fs = std::filesystem;

namespace {

struct ClassScan {
  std::vector<std::string> files;
  std::vector<DirStamp> dirs;
};

// Recursive walk of one class folder; directories are stamped before they are listed so
// that a change during the walk invalidates the cache entry.
ClassScan scan_class(const fs::path& root, const std::string& name) {
  ClassScan out;
  std::vector<std::string> pending{name};
  while (!pending.empty()) {
    const std::string rel = std::move(pending.back());
    pending.pop_back();
    out.dirs.push_back({rel, mtime_ns(root / rel)});
    std::error_code ec;
    fs::directory_iterator it(root / rel, fs::directory_options::follow_directory_symlink, ec);
    if (ec) AUTOSPACE_THROW("cannot list ", (root / rel).string(), ": ", ec.message());
    for (const fs::directory_entry& entry : it) {
      const std::string child = rel + "/" + entry.path().filename().string();
      if (entry.is_directory(ec)) {
        pending.push_back(child);
      } else if (entry.is_regular_file(ec) && has_image_extension(entry.path())) {
        out.files.push_back(child);
      }
    }
  }
  std::sort(out.files.begin(), out.files.end());
  return out;
}

}  // namespace

bool has_image_extension(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  static const char* const kExtensions[] = {".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp"};
  return std::any_of(std::begin(kExtensions), std::end(kExtensions), [&](const char* e) { return ext == e; });
}

FileList scan_image_folder(const fs::path& root, int threads) {
  if (!fs::is_directory(root)) AUTOSPACE_THROW("ImageFolder root ", root.string(), " is not a directory");
  FileList list;
  list.scanned_at_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                           fs::file_time_type::clock::now().time_since_epoch())
                           .count();
  list.dirs.push_back({"", mtime_ns(root)});
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(root, fs::directory_options::follow_directory_symlink)) {
    if (entry.is_directory(ec)) list.classes.push_back(entry.path().filename().string());
  }
  std::sort(list.classes.begin(), list.classes.end());
  if (list.classes.empty()) AUTOSPACE_THROW("ImageFolder root ", root.string(), " has no class folders");

  std::vector<ClassScan> scans(list.classes.size());
  parallel_for(scans.size(), threads, [&](std::size_t c, int) { scans[c] = scan_class(root, list.classes[c]); });

  std::string empty;
  for (std::size_t c = 0; c < scans.size(); ++c) {
    if (scans[c].files.empty()) empty += (empty.empty() ? "" : ", ") + list.classes[c];
    for (std::string& f : scans[c].files) list.files.push_back({std::move(f), static_cast<std::int64_t>(c)});
    list.dirs.insert(list.dirs.end(), scans[c].dirs.begin(), scans[c].dirs.end());
  }
  if (!empty.empty()) AUTOSPACE_THROW("ImageFolder ", root.string(), ": no image files in class folder(s) ", empty);
  return list;
}

std::shared_ptr<FileDataset> open_image_folder(const fs::path& root, const ImageFolderOptions& options) {
  std::error_code ec;
  const fs::path canonical = fs::canonical(root, ec);
  if (ec) AUTOSPACE_THROW("ImageFolder root ", root.string(), ": ", ec.message());
  std::optional<FileListCache> cache;
  if (options.use_cache) cache.emplace(options.cache_dir.empty() ? FileListCache::default_dir() : options.cache_dir);
  if (cache) {
    if (std::optional<FileList> cached = cache->load(canonical))
      return std::make_shared<FileDataset>(canonical, std::move(cached->classes), std::move(cached->files));
  }
  FileList list = scan_image_folder(canonical, options.threads);
  if (cache) {
    try {
      cache->store(canonical, list);
    } catch (const Error& e) {
      std::fprintf(stderr, "autospace data: file-list cache not written (%s)\n", e.what());
    }
  }
  return std::make_shared<FileDataset>(canonical, std::move(list.classes), std::move(list.files));
}

}  // namespace autospace::data
