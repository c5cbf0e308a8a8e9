// Batches by global position, on the CPU and (uploaded a step ahead on the copy stream) on
// a GPU: the same batches in the same order whatever the path taken through them.
#include "data/batch_stream.h"
#include "data/cifar_binary.h"
#include "data/image_folder.h"
#include "tests/data/data_test_util.h"
#include "tests/support/test_support.h"

using namespace autospace;
using namespace autospace::data;
using namespace autospace::data::test_util;

namespace {

// 20 in-memory CIFAR rows: 4 batches of 5 per epoch.
std::shared_ptr<const Dataset> cifar_rows(const TempDir& tmp) {
  std::vector<std::uint8_t> bytes;
  for (int r = 0; r < 20; ++r) {
    bytes.push_back(static_cast<std::uint8_t>(r % 10));
    for (int p = 0; p < 3 * 1024; ++p) bytes.push_back(static_cast<std::uint8_t>(r * 11 + p * 3));
  }
  write_bytes(tmp.path() / "data_batch_1.bin", bytes);
  return CifarBinary::open({tmp.path() / "data_batch_1.bin"}, CifarVariant::cifar10);
}

LoaderOptions options(Device destination) {
  LoaderOptions o;
  o.batch_size = 5;
  o.seed = 23;
  o.threads = 2;
  o.prefetch_batches = 2;
  o.transform = TransformConfig::cifar_train(32, 4);
  if (!destination.is_cpu())
    o.allocator = [destination](const Shape& shape, DType dtype) { return Tensor::empty_pinned(shape, dtype, destination); };
  return o;
}

struct Seen {
  std::vector<std::uint8_t> images;
  std::vector<std::int64_t> labels, indices;
  std::uint32_t epoch;
  std::int64_t step;
  bool operator==(const Seen&) const = default;
};

Seen seen(const Batch& b) {
  const Tensor images = b.images.to(Device::cpu()), labels = b.labels.to(Device::cpu());
  const std::uint8_t* px = images.data<std::uint8_t>();
  const std::int64_t* y = labels.data<std::int64_t>();
  return {{px, px + images.numel()}, {y, y + labels.numel()}, b.indices, b.epoch, b.step};
}

// Forwards, over an epoch's end, back, repeated, and jumping ahead.
const std::int64_t kPath[] = {0, 1, 2, 3, 4, 5, 2, 3, 3, 9, 10, 0, 7};

}  // namespace

TEST_CASE("a batch stream gives batch k of the run at position k, whatever the path", "[data]") {
  TempDir tmp;
  const auto ds = cifar_rows(tmp);
  BatchStream stream(std::make_unique<Loader>(ds, options(Device::cpu())));
  REQUIRE(stream.steps_per_epoch() == 4);
  Loader reference(ds, options(Device::cpu()));
  for (const std::int64_t k : kPath) {
    INFO("position " << k);
    reference.start_epoch(static_cast<std::uint32_t>(k / 4), k % 4);
    const Seen want = seen(*reference.next()), got = seen(stream.at(k));
    CHECK(got.epoch == k / 4);
    CHECK(got.step == k % 4);
    CHECK(got == want);
  }
}

TEST_CASE("a batch stream to the GPU uploads the CPU's batches a step ahead", "[data][cuda]") {
  if (cuda_device_count() == 0) AUTOSPACE_SKIP_TEST("no GPU");
  TempDir tmp;
  const auto ds = cifar_rows(tmp);
  BatchStream cpu(std::make_unique<Loader>(ds, options(Device::cpu()))),
      gpu(std::make_unique<Loader>(ds, options(Device::cuda(0))), Device::cuda(0));
  for (const std::int64_t k : kPath) {
    INFO("position " << k);
    const Batch b = gpu.at(k);
    CHECK(b.images.device() == Device::cuda(0));
    CHECK(b.labels.device() == Device::cuda(0));
    // Work queued on the compute stream after the hand-over sees the copied bytes (it
    // waited for the copy on the device): a device-to-device copy reads them first.
    const Tensor copied = Tensor::empty(b.images.shape(), DType::u8, Device::cuda(0));
    copied.copy_from(b.images);
    const Seen want = seen(cpu.at(k));
    CHECK(seen(Batch{copied, b.labels, b.indices, b.epoch, b.step, {}}) == want);
    CHECK(seen(b) == want);
  }
}

TEST_CASE("a batch stream to the GPU raises a bad file where its batch is asked for", "[data][cuda]") {
  if (cuda_device_count() == 0) AUTOSPACE_SKIP_TEST("no GPU");
  TempDir tmp;
  const std::vector<std::uint8_t> good = encode(test_pattern(40, 40, 1));
  std::vector<FileSample> samples;
  for (int i = 0; i < 12; ++i) {
    const std::string name = "img" + std::to_string(i) + ".jpg";
    samples.push_back({name, i % 2});
    write_bytes(tmp.path() / name, i == 9 ? std::vector<std::uint8_t>{1, 2, 3} : good);
  }
  const auto ds = std::make_shared<FileDataset>(tmp.path(), std::vector<std::string>{"a", "b"}, samples);
  LoaderOptions o = options(Device::cuda(0));
  o.batch_size = 4;
  o.shuffle = false;
  o.transform = TransformConfig::eval(16, 16);
  o.bad_files = BadFilePolicy::fail;
  o.on_bad_file = [](const BadFile&) {};
  BatchStream stream(std::make_unique<Loader>(ds, o), Device::cuda(0));
  // Batch 1 is fetched ahead while batch 0 is handed out, batch 2 (img9) while batch 1 is.
  CHECK(stream.at(0).size() == 4);
  CHECK(stream.at(1).size() == 4);
  CHECK_THROWS_WITH(stream.at(2), Catch::Contains("img9.jpg"));
}
