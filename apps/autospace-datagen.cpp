// autospace-datagen: writes the synthetic ImageFolder dataset of the quick start (see
// data/synthetic.h for what the classes are). The defaults are the embedded quick-start
// dataset: 10 classes, 500 train + 100 val images each, 32x32, seed 0.
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "apps/run/command_line.h"
#include "data/synthetic.h"

namespace {

constexpr const char* kUsage =
    "usage: autospace-datagen --out DIR [--classes N] [--train-per-class N] [--val-per-class N]\n"
    "                         [--size PIXELS] [--seed N] [--quality 1-100] [--threads N]\n"
    "Writes DIR/train/<class>/*.jpg, DIR/val/<class>/*.jpg and DIR/synthetic.json.\n";

}  // namespace

int main(int argc, char** argv) {
  try {
    autospace::data::SyntheticOptions options;
    std::string out;
    for (int i = 1; i < argc; ++i) {
      const std::string arg = argv[i];
      if (arg == "-h" || arg == "--help") {
        std::fputs(kUsage, stdout);
        return 0;
      }
      if (i + 1 >= argc) throw std::invalid_argument("unknown option or missing value: " + arg);
      const char* value = argv[++i];
      if (arg == "--out") out = value;
      else if (arg == "--classes") options.classes = static_cast<int>(autospace::apps::parse_integer_option(arg, value, 1, 100000));
      else if (arg == "--train-per-class") options.train_per_class = static_cast<int>(autospace::apps::parse_integer_option(arg, value, 1, 10'000'000));
      else if (arg == "--val-per-class") options.val_per_class = static_cast<int>(autospace::apps::parse_integer_option(arg, value, 1, 10'000'000));
      else if (arg == "--size") options.size = static_cast<int>(autospace::apps::parse_integer_option(arg, value, 1, 65536));
      else if (arg == "--seed") options.seed = static_cast<std::uint64_t>(autospace::apps::parse_integer_option(arg, value, 0, LLONG_MAX));
      else if (arg == "--quality") options.quality = static_cast<int>(autospace::apps::parse_integer_option(arg, value, 1, 100));
      else if (arg == "--threads") options.threads = static_cast<int>(autospace::apps::parse_integer_option(arg, value, 0, 4096));
      else throw std::invalid_argument("unknown option " + arg);
    }
    if (out.empty()) throw std::invalid_argument("--out DIR is required");
    const auto start = std::chrono::steady_clock::now();
    const std::int64_t images = autospace::data::write_synthetic_dataset(out, options);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("wrote %lld images (%d classes, %dx%d, seed %llu) to %s in %.1f s\n", static_cast<long long>(images),
                options.classes, options.size, options.size, static_cast<unsigned long long>(options.seed), out.c_str(),
                seconds);
    return 0;
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "autospace-datagen: %s\n%s", e.what(), kUsage);
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "autospace-datagen: %s\n", e.what());
    return 1;
  }
}
