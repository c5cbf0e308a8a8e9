// autospace-data: inspection of image datasets.
//   check DIR  reads and decodes every image file under DIR in parallel and lists each
//              unusable one with the reason the loader would give (exit status 1 if any).
//   info DIR   summarises an ImageFolder tree (classes, images per class), building or
//              reusing its file-list cache.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include "apps/run/command_line.h"
#include "data/image_folder.h"
#include "data/tree_check.h"

namespace {

constexpr const char* kUsage =
    "usage: autospace-data check DIR [--threads N] [--max-pixels N] [--all-files]\n"
    "       autospace-data info DIR [--no-cache] [--threads N]\n";

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

int check(const std::string& dir, const autospace::data::CheckOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const autospace::data::CheckReport report = autospace::data::check_tree(dir, options);
  for (const autospace::data::BadFile& f : report.bad) std::printf("%s: %s\n", f.source.c_str(), f.reason.c_str());
  std::printf("checked %lld files in %.1f s, bad files: %s\n", static_cast<long long>(report.files), seconds_since(start),
              report.counts.summary().c_str());
  return report.bad.empty() ? 0 : 1;
}

int info(const std::string& dir, const autospace::data::ImageFolderOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const auto ds = autospace::data::open_image_folder(dir, options);
  std::vector<long long> per_class(ds->classes().size(), 0);
  for (const auto& s : ds->samples()) ++per_class[static_cast<std::size_t>(s.label)];
  std::printf("%s: %zu images in %zu classes (listed in %.2f s)\n", ds->root().c_str(), ds->size(), per_class.size(),
              seconds_since(start));
  const auto [lo, hi] = std::minmax_element(per_class.begin(), per_class.end());
  std::printf("images per class: min %lld (%s), max %lld (%s)\n", *lo, ds->classes()[lo - per_class.begin()].c_str(),
              *hi, ds->classes()[hi - per_class.begin()].c_str());
  const std::size_t shown = std::min<std::size_t>(per_class.size(), 20);
  for (std::size_t c = 0; c < shown; ++c) std::printf("  %4zu %-40s %lld\n", c, ds->classes()[c].c_str(), per_class[c]);
  if (shown < per_class.size()) std::printf("  ... %zu more classes\n", per_class.size() - shown);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc >= 2 && (std::string(argv[1]) == "-h" || std::string(argv[1]) == "--help")) {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (argc < 3) throw std::invalid_argument("a command and a directory are required");
    const std::string command = argv[1], dir = argv[2];
    autospace::data::CheckOptions check_options;
    autospace::data::ImageFolderOptions folder_options;
    for (int i = 3; i < argc; ++i) {
      const std::string arg = argv[i];
      if (arg == "--all-files") {
        check_options.all_files = true;
      } else if (arg == "--no-cache") {
        folder_options.use_cache = false;
      } else if (arg == "--threads" && i + 1 < argc) {
        check_options.threads = folder_options.threads = static_cast<int>(autospace::apps::parse_integer_option(arg, argv[++i], 0, 4096));
      } else if (arg == "--max-pixels" && i + 1 < argc) {
        check_options.limits.max_pixels = autospace::apps::parse_integer_option(arg, argv[++i], 1, 1'000'000'000'000);
      } else {
        throw std::invalid_argument("unknown option or missing value: " + arg);
      }
    }
    if (command == "check") return check(dir, check_options);
    if (command == "info") return info(dir, folder_options);
    throw std::invalid_argument("unknown command " + command);
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "autospace-data: %s\n%s", e.what(), kUsage);
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "autospace-data: %s\n", e.what());
    return 1;
  }
}
