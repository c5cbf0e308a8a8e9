// Loader throughput in images/s: read + decode + transform into uint8 NHWC batches, with
// 1..N decode threads, on the shared sample data. One iteration is one whole epoch, so
// every file is decoded once per iteration with fresh random crops.
// bench/loader_vs_pil.py runs the same cases through PIL + torchvision.
//
// usage: bench_loader [--data=DIR] [--threads=1,2] [google benchmark flags]
//   DIR defaults to $AUTOSPACE_SHARED_DATA, else ../shared/data (run from the repository root).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "data/file_io.h"
#include "data/image_folder.h"
#include "data/loader.h"

using namespace autospace;
using namespace autospace::data;
namespace fs = std::filesystem;

namespace {

// Every image of a flat folder, one class: imagenet-samples has no class sub-folders.
std::shared_ptr<const Dataset> flat_folder(const fs::path& dir) {
  std::vector<FileSample> samples;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file() && has_image_extension(e.path())) samples.push_back({e.path().filename().string(), 0});
  std::sort(samples.begin(), samples.end(), [](const FileSample& a, const FileSample& b) { return a.path < b.path; });
  return std::make_shared<FileDataset>(dir, std::vector<std::string>{"all"}, std::move(samples));
}

// Reads every file once so that both this benchmark and the PIL side measure decoding
// from the page cache rather than the disk.
void warm_page_cache(const Dataset& ds) {
  SampleData sample;
  for (std::size_t i = 0; i < ds.size(); ++i) ds.load(i, sample);
}

struct Case {
  std::string name;
  std::shared_ptr<const Dataset> dataset;
  TransformConfig transform;
  std::int64_t batch_size;
};

void run_epochs(benchmark::State& state, const Case& c, int threads) {
  LoaderOptions options;
  options.batch_size = c.batch_size;
  options.drop_last = false;
  options.threads = threads;
  options.transform = c.transform;
  Loader loader(c.dataset, options);
  std::int64_t images = 0;
  std::uint32_t epoch = 0;
  for (auto _ : state) {
    loader.start_epoch(epoch++);
    while (std::optional<Batch> b = loader.next()) {
      images += b->size();
      benchmark::DoNotOptimize(b->images.data<std::uint8_t>());
    }
  }
  state.SetItemsProcessed(images);
  state.counters["images_per_thread_per_second"] =
      benchmark::Counter(static_cast<double>(images) / threads, benchmark::Counter::kIsRate);
}

std::vector<int> parse_threads(const char* text) {
  std::vector<int> out;
  for (const char* p = text; *p;) {
    char* end = nullptr;
    const long v = std::strtol(p, &end, 10);
    if (end == p || v < 1) {
      std::fprintf(stderr, "bench_loader: bad --threads list \"%s\"\n", text);
      std::exit(2);
    }
    out.push_back(static_cast<int>(v));
    p = *end == ',' ? end + 1 : end;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  fs::path data = std::getenv("AUTOSPACE_SHARED_DATA") ? fs::path(std::getenv("AUTOSPACE_SHARED_DATA"))
                                                       : fs::path("../shared/data");
  std::vector<int> threads = {1, 2};
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--data=", 7) == 0) {
      data = argv[i] + 7;
    } else if (std::strncmp(argv[i], "--threads=", 10) == 0) {
      threads = parse_threads(argv[i] + 10);
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;

  static std::vector<Case> cases;
  if (fs::is_directory(data / "imagenet-samples")) {
    auto imagenet = flat_folder(data / "imagenet-samples");
    warm_page_cache(*imagenet);
    cases.push_back({"train224/imagenet-samples", imagenet, TransformConfig::train(224), 32});
    cases.push_back({"eval224/imagenet-samples", imagenet, TransformConfig::eval(224, 256), 32});
  }
  if (fs::is_directory(data / "cifar10-small" / "train")) {
    ImageFolderOptions folder;
    folder.use_cache = false;
    std::shared_ptr<const Dataset> cifar = open_image_folder(data / "cifar10-small" / "train", folder);
    warm_page_cache(*cifar);
    cases.push_back({"train32/cifar10-small", cifar, TransformConfig::train(32), 256});
    cases.push_back({"padcrop32/cifar10-small", cifar, TransformConfig::cifar_train(32, 4), 256});
  }
  if (cases.empty()) {
    std::fprintf(stderr, "bench_loader: no imagenet-samples or cifar10-small under %s (use --data=DIR)\n",
                 data.string().c_str());
    return 2;
  }
  for (const Case& c : cases)
    for (int t : threads)
      benchmark::RegisterBenchmark(("loader/" + c.name + "/threads:" + std::to_string(t)).c_str(),
                                   [&c, t](benchmark::State& state) { run_epochs(state, c, t); })
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
