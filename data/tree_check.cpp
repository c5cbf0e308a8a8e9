#include "data/tree_check.h"

#include <algorithm>
#include <memory>
#include <mutex>

#include "data/file_io.h"
#include "data/image_folder.h"
#include "data/parallel.h"
#include "kernels/common/check.h"

namespace autospace::data {

namespace fs = std::filesystem;

std::optional<BadFile> check_file(const fs::path& path, JpegDecoder& decoder, std::vector<std::uint8_t>& buffer) {
  try {
    read_file(path, buffer);
    decoder.open(buffer);
    decoder.decode_all(1);  // 1/8 scale: every coefficient is still entropy-decoded
    return std::nullopt;
  } catch (const BadImage& e) {
    return BadFile{path.string(), -1, e.kind(), e.what()};
  }
}

CheckReport check_tree(const fs::path& dir, const CheckOptions& options) {
  if (!fs::is_directory(dir)) AUTOSPACE_THROW(dir.string(), " is not a directory");
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, fs::directory_options::follow_directory_symlink, ec), end; it != end;
       it.increment(ec)) {
    if (ec) AUTOSPACE_THROW("cannot walk ", dir.string(), ": ", ec.message());
    if (!it->is_directory(ec) && (options.all_files || has_image_extension(it->path()))) files.push_back(it->path());
  }
  if (ec) AUTOSPACE_THROW("cannot walk ", dir.string(), ": ", ec.message());

  const int threads = resolve_threads(options.threads);
  std::vector<std::unique_ptr<JpegDecoder>> decoders;
  for (int t = 0; t < threads; ++t) decoders.push_back(std::make_unique<JpegDecoder>(options.limits));
  std::vector<std::vector<std::uint8_t>> buffers(static_cast<std::size_t>(threads));
  CheckReport report;
  std::mutex mutex;
  parallel_for(files.size(), threads, [&](std::size_t i, int worker) {
    const auto w = static_cast<std::size_t>(worker);
    std::optional<BadFile> bad = check_file(files[i], *decoders[w], buffers[w]);
    if (!bad) return;
    std::lock_guard<std::mutex> lock(mutex);
    report.counts.add(bad->kind);
    report.bad.push_back(std::move(*bad));
  });
  report.files = static_cast<std::int64_t>(files.size());
  std::sort(report.bad.begin(), report.bad.end(), [](const BadFile& a, const BadFile& b) { return a.source < b.source; });
  return report;
}

}  // namespace autospace::data
