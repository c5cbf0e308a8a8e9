// The loader end to end: identical batches whatever the thread count, resume, restarts,
// sharding, bad-file policies and in-memory (CIFAR) sources.
#include <map>
#include <mutex>
#include <set>

#include "data/cifar_binary.h"
#include "data/image_folder.h"
#include "data/loader.h"
#include "data/sample_renderer.h"
#include "data/synthetic.h"
#include "tests/data/data_test_util.h"
#include "tests/support/test_support.h"

using namespace autospace;
using namespace autospace::data;
using namespace autospace::data::test_util;

namespace {

struct Collected {
  std::vector<std::vector<std::uint8_t>> images;
  std::vector<std::vector<std::int64_t>> labels, indices;
  bool operator==(const Collected&) const = default;
};

Collected collect(Loader& loader, std::uint32_t epoch, std::int64_t first_step = 0) {
  loader.start_epoch(epoch, first_step);
  Collected c;
  while (std::optional<Batch> b = loader.next()) {
    REQUIRE(b->epoch == epoch);
    REQUIRE(b->step == first_step + static_cast<std::int64_t>(c.images.size()));
    REQUIRE(b->images.dtype() == DType::u8);
    REQUIRE(b->images.dim(0) == b->size());
    REQUIRE(b->labels.dtype() == DType::i64);
    const std::uint8_t* px = b->images.data<std::uint8_t>();
    const std::int64_t* lb = b->labels.data<std::int64_t>();
    c.images.emplace_back(px, px + b->images.numel());
    c.labels.emplace_back(lb, lb + b->labels.numel());
    c.indices.push_back(b->indices);
  }
  return c;
}

// A small synthetic ImageFolder (4 classes x 9 images, 40x40 JPEGs).
std::shared_ptr<FileDataset> synthetic_folder(const fs::path& dir) {
  SyntheticOptions s;
  s.classes = 4;
  s.train_per_class = 9;
  s.val_per_class = 0;
  s.size = 40;
  s.threads = 2;
  write_synthetic_dataset(dir, s);
  ImageFolderOptions o;
  o.use_cache = false;
  return open_image_folder(dir / "train", o);
}

LoaderOptions options(int threads, TransformConfig transform = TransformConfig::train(24)) {
  LoaderOptions o;
  o.batch_size = 5;
  o.drop_last = false;
  o.seed = 17;
  o.threads = threads;
  o.prefetch_batches = 2;
  o.transform = transform;
  return o;
}

}  // namespace

TEST_CASE("batches are identical with 1, 2 and 4 decode threads", "[data][loader]") {
  TempDir tmp;
  const auto ds = synthetic_folder(tmp.path());
  Loader one(ds, options(1));
  const Collected want = collect(one, 2);
  REQUIRE(want.images.size() == 8);  // 36 samples in batches of 5, the last one short
  CHECK(want.indices.back().size() == 1);
  for (int threads : {2, 4}) {
    Loader many(ds, options(threads));
    CHECK(many.threads() == threads);
    CHECK(collect(many, 2) == want);
  }
  // Labels are the dataset's, rows are the renderer's output for (seed, epoch, index).
  SampleRenderer renderer(TransformConfig::train(24), {});
  std::vector<std::uint8_t> row(24 * 24 * 3);
  SampleData sample;
  for (std::size_t b = 0; b < want.indices.size(); ++b)
    for (std::size_t r = 0; r < want.indices[b].size(); ++r) {
      const auto index = static_cast<std::size_t>(want.indices[b][r]);
      REQUIRE(want.labels[b][r] == ds->label(index));
      ds->load(index, sample);
      renderer.render_jpeg(sample.bytes, RngKey{17, RngPurpose::augmentation, 2, static_cast<std::uint32_t>(index)},
                           row.data());
      REQUIRE(std::equal(row.begin(), row.end(), want.images[b].begin() + static_cast<std::ptrdiff_t>(r * row.size())));
    }
  // Another epoch is another order and other crops.
  CHECK_FALSE(collect(one, 3) == want);
}

TEST_CASE("resuming mid-epoch gives the same remaining batches", "[data][loader]") {
  TempDir tmp;
  const auto ds = synthetic_folder(tmp.path());
  Loader loader(ds, options(2));
  const Collected full = collect(loader, 4);
  Loader resumed(ds, options(3));
  const Collected tail = collect(resumed, 4, 5);
  REQUIRE(tail.images.size() == full.images.size() - 5);
  for (std::size_t k = 0; k < tail.images.size(); ++k) {
    CHECK(tail.images[k] == full.images[k + 5]);
    CHECK(tail.indices[k] == full.indices[k + 5]);
  }
  // Restarting while batches are in flight discards them cleanly.
  loader.start_epoch(9);
  REQUIRE(loader.next());
  CHECK(collect(loader, 4) == full);
  CHECK(loader.epoch_stats().images == 36);
  CHECK(loader.epoch_stats().batches == 8);
}

TEST_CASE("sharded loaders see disjoint parts of the epoch in equal step counts", "[data][loader]") {
  TempDir tmp;
  const auto ds = synthetic_folder(tmp.path());
  std::multiset<std::int64_t> seen;
  for (int rank = 0; rank < 3; ++rank) {
    LoaderOptions o = options(2);
    o.rank = rank;
    o.world = 3;
    Loader loader(ds, o);
    CHECK(loader.steps_per_epoch() == 3);  // ceil(36 / 15)
    for (const auto& idx : collect(loader, 0).indices) seen.insert(idx.begin(), idx.end());
  }
  CHECK(seen.size() == 36);
  CHECK(std::set<std::int64_t>(seen.begin(), seen.end()).size() == 36);
}

TEST_CASE("bad files are reported, counted and skipped, or fatal", "[data][loader]") {
  TempDir tmp;
  const std::vector<std::uint8_t> good = encode(test_pattern(50, 40, 1));
  std::vector<FileSample> samples;
  for (int i = 0; i < 10; ++i) {
    const std::string name = "img" + std::to_string(i) + ".jpg";
    samples.push_back({name, i % 2});
    if (i == 3) {
      write_bytes(tmp.path() / name, std::vector<std::uint8_t>(good.begin(), good.begin() + 300));
    } else if (i == 7) {
      write_bytes(tmp.path() / name, {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0});
    } else if (i != 8) {  // img8.jpg is missing altogether
      write_bytes(tmp.path() / name, good);
    }
  }
  write_bytes(tmp.path() / "img5.jpg", {});
  const auto ds = std::make_shared<FileDataset>(tmp.path(), std::vector<std::string>{"a", "b"}, samples);

  std::mutex mutex;
  std::map<std::int64_t, BadFile> reported;
  LoaderOptions o = options(2, TransformConfig::eval(16, 16));
  o.batch_size = 4;
  o.shuffle = false;
  o.on_bad_file = [&](const BadFile& f) {
    std::lock_guard<std::mutex> lock(mutex);
    reported[f.index] = f;
  };
  {
    Loader loader(ds, o);
    const Collected c = collect(loader, 0);
    REQUIRE(c.indices.size() == 3);
    CHECK(c.indices[0] == std::vector<std::int64_t>{0, 1, 2});  // 3 truncated
    CHECK(c.indices[1] == std::vector<std::int64_t>{4, 6});     // 5 empty, 7 PNG
    CHECK(c.indices[2] == std::vector<std::int64_t>{9});        // 8 missing
    CHECK(c.labels[1] == std::vector<std::int64_t>{0, 0});
    CHECK(c.images[1].size() == 2u * 16 * 16 * 3);
    REQUIRE(reported.size() == 4);
    CHECK(reported[3].kind == BadKind::truncated);
    CHECK(reported[5].kind == BadKind::zero_bytes);
    CHECK(reported[7].kind == BadKind::not_jpeg);
    CHECK(reported[7].reason.find("PNG") != std::string::npos);
    CHECK(reported[8].kind == BadKind::unreadable);
    CHECK(reported[8].source == (tmp.path() / "img8.jpg").string());
    const EpochStats stats = loader.epoch_stats();
    CHECK(stats.images == 6);
    CHECK(stats.bad.total() == 4);
    CHECK(stats.bad.by_kind[static_cast<int>(BadKind::truncated)] == 1);
  }
  o.bad_files = BadFilePolicy::fail;
  Loader strict(ds, o);
  strict.start_epoch(0);
  try {
    strict.next();
    FAIL("a bad file did not stop the epoch");
  } catch (const BadImage& e) {
    CHECK(e.kind() == BadKind::truncated);
    CHECK(std::string(e.what()).find("img3.jpg") != std::string::npos);
  }
  CHECK_FALSE(strict.next());  // the epoch is over
  strict.start_epoch(1, 2);    // the loader stays usable
  CHECK_THROWS_WITH(strict.next(), Catch::Contains("img8.jpg") && Catch::Contains("unreadable"));
}

TEST_CASE("in-memory CIFAR batches go through pad-and-crop deterministically", "[data][loader]") {
  TempDir tmp;
  std::vector<std::uint8_t> bytes;
  for (int r = 0; r < 20; ++r) {
    bytes.push_back(static_cast<std::uint8_t>(r % 10));
    for (int p = 0; p < 3 * 1024; ++p) bytes.push_back(static_cast<std::uint8_t>(r * 7 + p));
  }
  write_bytes(tmp.path() / "data_batch_1.bin", bytes);
  const auto ds = CifarBinary::open({tmp.path() / "data_batch_1.bin"}, CifarVariant::cifar10);
  const TransformConfig cifar = TransformConfig::cifar_train(32, 4);
  Loader a(ds, options(1, cifar)), b(ds, options(4, cifar));
  const Collected ca = collect(a, 1);
  CHECK(ca == collect(b, 1));
  SampleRenderer renderer(cifar, {});
  std::vector<std::uint8_t> row(32 * 32 * 3);
  SampleData sample;
  const auto index = static_cast<std::size_t>(ca.indices[1][2]);
  ds->load(index, sample);
  renderer.render_pixels(sample.pixels, RngKey{17, RngPurpose::augmentation, 1, static_cast<std::uint32_t>(index)},
                         row.data());
  CHECK(std::equal(row.begin(), row.end(), ca.images[1].begin() + 2 * static_cast<std::ptrdiff_t>(row.size())));
}

namespace {

std::shared_ptr<FileDataset> imagenet_samples(std::size_t count) {
  const fs::path dir = test::shared_data_dir() / "imagenet-samples";
  std::vector<FileSample> samples;
  for (const auto& e : fs::directory_iterator(dir)) samples.push_back({e.path().filename().string(), 0});
  std::sort(samples.begin(), samples.end(), [](const FileSample& a, const FileSample& b) { return a.path < b.path; });
  samples.resize(std::min(count, samples.size()));
  return std::make_shared<FileDataset>(dir, std::vector<std::string>{"all"}, samples);
}

void check_thread_independence(std::size_t count) {
  const auto ds = imagenet_samples(count);
  LoaderOptions o = options(1, TransformConfig::train(224));
  o.batch_size = 8;
  Loader one(ds, o);
  const Collected want = collect(one, 0);
  for (int threads : {2, 4}) {
    o.threads = threads;
    Loader many(ds, o);
    CHECK(collect(many, 0) == want);
  }
}

}  // namespace

TEST_CASE("real ImageNet files: identical batches across thread counts", "[data][loader]") {
  if (test::shared_data_dir().empty()) AUTOSPACE_SKIP_TEST("no ../shared/data");
  check_thread_independence(24);
}

TEST_CASE("all ImageNet samples: identical batches across thread counts", "[data][loader][slow]") {
  if (test::shared_data_dir().empty()) AUTOSPACE_SKIP_TEST("no ../shared/data");
  check_thread_independence(200);
}
