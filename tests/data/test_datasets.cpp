// Dataset sources: list files, ImageFolder trees and their file-list cache, CIFAR binary
// batches, and the seeded train/val split.
#include <chrono>
#include <set>
#include <sstream>

#include "data/cifar_binary.h"
#include "data/file_list_cache.h"
#include "data/image_folder.h"
#include "data/list_file.h"
#include "data/split.h"
#include "tests/data/data_test_util.h"
#include "tests/support/test_support.h"

using namespace autospace;
using namespace autospace::data;
using namespace autospace::data::test_util;

namespace {

void touch(const fs::path& p) { write_bytes(p, {0xFF, 0xD8}); }

// Moves a directory's mtime into the past, as if the tree had been written long ago
// (the cache refuses listings of directories changed within its racy window).
void age(const fs::path& dir) { fs::last_write_time(dir, fs::file_time_type::clock::now() - std::chrono::hours(1)); }

void make_tree(const fs::path& root) {
  touch(root / "dog" / "b.jpg");
  touch(root / "dog" / "a.JPEG");
  touch(root / "dog" / "nested" / "c.png");
  touch(root / "dog" / "readme.txt");
  touch(root / "cat" / "x.jpeg");
  touch(root / "ant" / "y.jpg");
  for (const char* d : {"dog/nested", "dog", "cat", "ant", ""}) age(root / d);
}

}  // namespace

TEST_CASE("list files: path label per line, spaces in paths, comments, errors with line numbers", "[data][datasets]") {
  std::istringstream good("# comment\n\nimages/a b.jpg 3\n  /abs/c.jpg\t0  \r\nd.jpg 12\n");
  const std::vector<FileSample> s = parse_list(good, "list.txt");
  REQUIRE(s.size() == 3);
  CHECK(s[0] == FileSample{"images/a b.jpg", 3});
  CHECK(s[1] == FileSample{"/abs/c.jpg", 0});
  CHECK(s[2] == FileSample{"d.jpg", 12});

  std::istringstream no_label("a.jpg\n");
  CHECK_THROWS_WITH(parse_list(no_label, "l.txt"), Catch::Contains("l.txt:1"));
  std::istringstream bad_label("ok.jpg 1\nb.jpg -2\n");
  CHECK_THROWS_WITH(parse_list(bad_label, "l.txt"), Catch::Contains("l.txt:2") && Catch::Contains("-2"));
  std::istringstream not_number("b.jpg 1x\n");
  CHECK_THROWS_WITH(parse_list(not_number, "l.txt"), Catch::Contains("1x"));

  TempDir tmp;
  const std::string text = "x/one.jpg 1\ntwo.jpg 0\n";
  write_bytes(tmp.path() / "train.txt", std::vector<std::uint8_t>(text.begin(), text.end()));
  const auto ds = read_list_file(tmp.path() / "train.txt");
  REQUIRE(ds->size() == 2);
  CHECK(ds->classes().size() == 2);
  CHECK(ds->source(0) == (tmp.path() / "x/one.jpg").string());
  CHECK(ds->id(0) == "x/one.jpg");
  CHECK(ds->label(1) == 0);
}

TEST_CASE("ImageFolder: sorted classes, recursive files, torchvision's extensions", "[data][datasets]") {
  TempDir tmp;
  make_tree(tmp.path());
  const FileList list = scan_image_folder(tmp.path(), 2);
  CHECK(list.classes == std::vector<std::string>{"ant", "cat", "dog"});
  REQUIRE(list.files.size() == 5);
  CHECK(list.files[0] == FileSample{"ant/y.jpg", 0});
  CHECK(list.files[1] == FileSample{"cat/x.jpeg", 1});
  CHECK(list.files[2] == FileSample{"dog/a.JPEG", 2});
  CHECK(list.files[3] == FileSample{"dog/b.jpg", 2});
  CHECK(list.files[4] == FileSample{"dog/nested/c.png", 2});

  touch(tmp.path() / "empty_class" / "notes.txt");
  CHECK_THROWS_WITH(scan_image_folder(tmp.path()), Catch::Contains("empty_class"));
  CHECK_THROWS(scan_image_folder(tmp.path() / "missing"));
}

TEST_CASE("the file-list cache is reused and invalidated by any change to the listing", "[data][datasets]") {
  TempDir data, cache_dir;
  make_tree(data.path());
  const fs::path root = fs::canonical(data.path());
  const FileListCache cache(cache_dir.path());
  ImageFolderOptions options;
  options.cache_dir = cache_dir.path();

  CHECK_FALSE(cache.load(root));
  const auto first = open_image_folder(root, options);
  REQUIRE(fs::exists(cache.file_for(root)));
  REQUIRE(cache.load(root));
  CHECK(cache.load(root)->files == first->samples());

  // A cached listing is served even if it no longer matches what a walk would give, as
  // long as no directory changed: prove the cache is what answered.
  {
    FileList doctored = *cache.load(root);
    doctored.files.pop_back();
    doctored.scanned_at_ns = doctored.dirs.front().mtime_ns + std::int64_t{3600} * 1'000'000'000;
    REQUIRE(cache.store(root, doctored));
    CHECK(open_image_folder(root, options)->size() == first->size() - 1);
  }

  SECTION("a new file in a nested folder") {
    touch(data.path() / "dog" / "nested" / "d.jpg");
    CHECK_FALSE(cache.load(root));
    CHECK(open_image_folder(root, options)->size() == first->size() + 1);
  }
  SECTION("a removed file") {
    fs::remove(data.path() / "cat" / "x.jpeg");
    touch(data.path() / "cat" / "z.jpg");
    CHECK_FALSE(cache.load(root));
    const auto ds = open_image_folder(root, options);
    CHECK(ds->samples()[1].path == "cat/z.jpg");
  }
  SECTION("a new class") {
    touch(data.path() / "bee" / "q.jpg");
    CHECK_FALSE(cache.load(root));
    const auto ds = open_image_folder(root, options);
    CHECK(ds->classes()[1] == "bee");
    CHECK(ds->label(ds->size() - 1) == 3);
  }
  SECTION("a listing taken right after a change is not cached") {
    touch(data.path() / "ant" / "new.jpg");  // the ant folder's mtime is now
    FileList fresh = scan_image_folder(root);
    CHECK_FALSE(cache.store(root, fresh));
  }
  SECTION("a corrupt cache file is ignored") {
    write_bytes(cache.file_for(root), {'x'});
    CHECK_FALSE(cache.load(root));
    CHECK(open_image_folder(root, options)->size() == first->size());
  }
}

TEST_CASE("ImageFolder over the shared CIFAR sample tree", "[data][datasets]") {
  if (test::shared_data_dir().empty()) AUTOSPACE_SKIP_TEST("no ../shared/data");
  TempDir cache_dir;
  ImageFolderOptions options;
  options.cache_dir = cache_dir.path();
  const auto ds = open_image_folder(test::shared_data_dir() / "cifar10-small" / "train", options);
  CHECK(ds->size() == 10000);
  CHECK(ds->classes().size() == 10);
  CHECK(ds->classes().front() == "airplane");
  const auto again = open_image_folder(test::shared_data_dir() / "cifar10-small" / "train", options);
  CHECK(again->samples() == ds->samples());
}

TEST_CASE("CIFAR binary batches: records, labels, planar to interleaved pixels", "[data][datasets]") {
  TempDir tmp;
  auto record = [](std::vector<std::uint8_t>& out, std::vector<std::uint8_t> labels, std::uint8_t seed) {
    out.insert(out.end(), labels.begin(), labels.end());
    for (int c = 0; c < 3; ++c)
      for (int p = 0; p < 1024; ++p) out.push_back(static_cast<std::uint8_t>(seed + c * 50 + p % 7));
  };
  std::vector<std::uint8_t> b1, b2, test_batch;
  record(b1, {3}, 10);
  record(b1, {9}, 20);
  record(b2, {0}, 30);
  record(test_batch, {5}, 40);
  write_bytes(tmp.path() / "data_batch_1.bin", b1);
  write_bytes(tmp.path() / "data_batch_2.bin", b2);
  write_bytes(tmp.path() / "test_batch.bin", test_batch);
  const std::string names = "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n";
  write_bytes(tmp.path() / "batches.meta.txt", std::vector<std::uint8_t>(names.begin(), names.end()));

  const auto train = CifarBinary::open_dir(tmp.path(), true);
  REQUIRE(train->size() == 3);
  CHECK(train->label(0) == 3);
  CHECK(train->label(1) == 9);
  CHECK(train->label(2) == 0);
  CHECK(train->classes()[3] == "cat");
  CHECK(train->id(2) == "data_batch_2.bin#0");
  SampleData s;
  train->load(1, s);
  REQUIRE_FALSE(s.encoded());
  CHECK(s.pixels.width == 32);
  // Pixel 5 of record 1: planes hold seed + 50c + p % 7.
  CHECK(s.pixels.row(0)[5 * 3 + 0] == 20 + 5);
  CHECK(s.pixels.row(0)[5 * 3 + 2] == 20 + 100 + 5);
  CHECK(CifarBinary::open_dir(tmp.path(), false)->label(0) == 5);

  std::vector<std::uint8_t> c100;
  record(c100, {1, 77}, 0);
  write_bytes(tmp.path() / "c100" / "train.bin", c100);
  write_bytes(tmp.path() / "c100" / "test.bin", c100);
  const auto fine = CifarBinary::open_dir(tmp.path() / "c100", true);
  CHECK(fine->label(0) == 77);
  CHECK(fine->classes().size() == 100);

  const std::vector<std::uint8_t> broken(b1.begin(), b1.end() - 1);  // one byte short
  write_bytes(tmp.path() / "broken.bin", broken);
  CHECK_THROWS_WITH(CifarBinary::open({tmp.path() / "broken.bin"}, CifarVariant::cifar10),
                    Catch::Contains("broken.bin") && Catch::Contains("whole number"));
  std::vector<std::uint8_t> bad_label;
  record(bad_label, {10}, 0);
  write_bytes(tmp.path() / "bad_label.bin", bad_label);
  CHECK_THROWS_WITH(CifarBinary::open({tmp.path() / "bad_label.bin"}, CifarVariant::cifar10),
                    Catch::Contains("label 10"));
}

namespace {

std::shared_ptr<FileDataset> named_dataset(int classes, int per_class) {
  std::vector<std::string> names;
  std::vector<FileSample> samples;
  for (int c = 0; c < classes; ++c) {
    names.push_back(std::string("c").append(std::to_string(c)));
    for (int i = 0; i < per_class; ++i) samples.push_back({names.back() + "/" + std::to_string(i) + ".jpg", c});
  }
  return std::make_shared<FileDataset>("/nowhere", names, samples);
}

std::set<std::string> val_ids(const Dataset& ds, const Split& split) {
  std::set<std::string> ids;
  for (std::size_t i : split.val) ids.insert(ds.id(i));
  return ids;
}

}  // namespace

TEST_CASE("the train/val split is stratified, seeded and stable", "[data][datasets]") {
  const auto ds = named_dataset(4, 100);
  const Split a = split_train_val(*ds, 0.1, 11);
  CHECK(a.val.size() == 40);
  CHECK(a.train.size() == 360);
  std::vector<int> per_class(4, 0);
  for (std::size_t i : a.val) ++per_class[ds->label(i)];
  for (int n : per_class) CHECK(n == 10);
  std::set<std::size_t> all(a.train.begin(), a.train.end());
  all.insert(a.val.begin(), a.val.end());
  CHECK(all.size() == 400);

  CHECK(val_ids(*ds, split_train_val(*ds, 0.1, 11)) == val_ids(*ds, a));  // same seed, same split
  CHECK(val_ids(*ds, split_train_val(*ds, 0.1, 12)) != val_ids(*ds, a));  // another seed, another split

  // Independent of listing order: shuffle the sample list.
  std::vector<FileSample> reversed(ds->samples().rbegin(), ds->samples().rend());
  const FileDataset shuffled("/elsewhere", ds->classes(), reversed);
  CHECK(val_ids(shuffled, split_train_val(shuffled, 0.1, 11)) == val_ids(*ds, a));

  // Adding one file to a class moves at most one existing file across the split.
  std::vector<FileSample> grown = ds->samples();
  grown.push_back({"c0/new.jpg", 0});
  const FileDataset bigger("/nowhere", ds->classes(), grown);
  const std::set<std::string> before = val_ids(*ds, a), after = val_ids(bigger, split_train_val(bigger, 0.1, 11));
  std::vector<std::string> changed;
  std::set_symmetric_difference(before.begin(), before.end(), after.begin(), after.end(), std::back_inserter(changed));
  changed.erase(std::remove(changed.begin(), changed.end(), "c0/new.jpg"), changed.end());
  CHECK(changed.size() <= 1);

  CHECK_THROWS(split_train_val(*ds, 1.0, 0));
}
