// Every kind of bad file is recognised, named and never crashes: the shared bad-images
// samples, and generated equivalents so the suite checks the same without shared data.
#include <map>

#include "data/bad_file.h"
#include "data/file_format.h"
#include "data/sample_renderer.h"
#include "data/tree_check.h"
#include "tests/data/data_test_util.h"
#include "tests/support/test_support.h"

using namespace autospace;
using namespace autospace::data;
using namespace autospace::data::test_util;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The renderer's verdict on a file for a crop near the top-left, where a truncated file
// still has its data: truncation must be noticed anyway.
std::optional<BadImage> render_verdict(const std::vector<std::uint8_t>& bytes) {
  TransformConfig config = TransformConfig::eval(32, 32);
  SampleRenderer renderer(config, {});
  std::vector<std::uint8_t> out(32 * 32 * 3);
  try {
    renderer.render_jpeg(bytes, RngKey{1, RngPurpose::augmentation, 0, 0}, out.data());
    return std::nullopt;
  } catch (const BadImage& e) {
    return e;
  }
}

}  // namespace

TEST_CASE("every file in bad-images gets its expected classification", "[data][bad]") {
  if (test::shared_data_dir().empty()) AUTOSPACE_SKIP_TEST("no ../shared/data");
  const fs::path dir = test::shared_data_dir() / "bad-images";
  struct Expected {
    std::optional<BadKind> kind;  // nothing: the file is good
    std::string reason_part;
  };
  const std::map<std::string, Expected> expected = {
      {"cmyk.JPEG", {std::nullopt, ""}},
      {"grayscale.JPEG", {std::nullopt, ""}},
      {"progressive.JPEG", {std::nullopt, ""}},
      {"huge_dims_header.JPEG", {BadKind::too_large, "65000x65000"}},
      {"png_named_as.JPEG", {BadKind::not_jpeg, "PNG image"}},
      {"random_bytes.JPEG", {BadKind::not_jpeg, "unrecognised content"}},
      {"truncated_half.JPEG", {BadKind::truncated, "truncated"}},
      {"zero_bytes.JPEG", {BadKind::zero_bytes, "zero bytes"}},
  };
  JpegDecoder decoder;
  std::vector<std::uint8_t> buffer;
  std::size_t seen = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    INFO(name);
    REQUIRE(expected.count(name) == 1);
    const Expected& want = expected.at(name);
    const std::optional<BadFile> bad = check_file(entry.path(), decoder, buffer);
    if (!want.kind) {
      CHECK(!bad);
      CHECK(!render_verdict(read_bytes(entry.path())));
    } else {
      REQUIRE(bad);
      CHECK(bad->kind == *want.kind);
      CHECK(contains(bad->reason, want.reason_part));
      CHECK(bad->source == entry.path().string());
      if (name != "zero_bytes.JPEG") {
        const std::optional<BadImage> verdict = render_verdict(read_bytes(entry.path()));
        REQUIRE(verdict);
        CHECK(verdict->kind() == *want.kind);
      }
    }
    ++seen;
  }
  CHECK(seen == expected.size());

  const CheckReport report = check_tree(dir, {2, {}, false});
  CHECK(report.files == 8);
  CHECK(report.bad.size() == 5);
  CHECK(report.counts.total() == 5);
  CHECK(report.counts.by_kind[static_cast<int>(BadKind::not_jpeg)] == 2);
  CHECK(std::is_sorted(report.bad.begin(), report.bad.end(),
                       [](const BadFile& a, const BadFile& b) { return a.source < b.source; }));
}

TEST_CASE("generated bad files are classified without shared data", "[data][bad]") {
  TempDir tmp;
  const std::vector<std::uint8_t> good = encode(test_pattern(64, 64, 5));
  std::vector<std::uint8_t> truncated(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(good.size() / 2));
  const std::vector<std::uint8_t> no_image = {0xFF, 0xD8, 0xFF, 0xD9};  // SOI, EOI: a JPEG with no frame
  std::vector<std::uint8_t> with_trailer = good;  // junk after EOI is harmless
  with_trailer.insert(with_trailer.end(), {0, 0, 0, 'j', 'u', 'n', 'k'});
  const std::vector<std::uint8_t> gif = {'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0};
  write_bytes(tmp.path() / "good.jpg", good);
  write_bytes(tmp.path() / "trailer.jpg", with_trailer);
  write_bytes(tmp.path() / "truncated.jpg", truncated);
  write_bytes(tmp.path() / "empty.jpg", {});
  write_bytes(tmp.path() / "noimage.jpg", no_image);
  write_bytes(tmp.path() / "anim.jpeg", gif);
  write_bytes(tmp.path() / "notes.txt", {'h', 'i'});  // not an image extension
  fs::create_directories(tmp.path() / "folder.jpg");   // a directory is not a file to check

  const CheckReport report = check_tree(tmp.path(), {1, {}, false});
  CHECK(report.files == 6);
  std::map<std::string, BadFile> by_name;
  for (const BadFile& b : report.bad) by_name[fs::path(b.source).filename().string()] = b;
  CHECK(by_name.size() == 4);
  CHECK(by_name.count("good.jpg") == 0);
  CHECK(by_name.count("trailer.jpg") == 0);
  CHECK(by_name["truncated.jpg"].kind == BadKind::truncated);
  CHECK(by_name["empty.jpg"].kind == BadKind::zero_bytes);
  CHECK(by_name["noimage.jpg"].kind == BadKind::corrupt);
  CHECK(contains(by_name["noimage.jpg"].reason, "corrupt JPEG"));
  CHECK(by_name["anim.jpeg"].kind == BadKind::not_jpeg);
  CHECK(contains(by_name["anim.jpeg"].reason, "GIF image"));

  const std::optional<BadImage> verdict = render_verdict(truncated);
  REQUIRE(verdict);
  CHECK(verdict->kind() == BadKind::truncated);
  CHECK(!render_verdict(with_trailer));

  // Truncation is found even when the decoded region lies entirely in the part that is
  // present, at full and at reduced scale.
  JpegDecoder decoder;
  for (int scale : {8, 2}) {
    decoder.open(truncated);
    try {
      decoder.decode(scale, {0, 0, 8, 4});
      FAIL("truncation not detected at scale " << scale);
    } catch (const BadImage& e) {
      CHECK(e.kind() == BadKind::truncated);
    }
  }
  decoder.open(with_trailer);
  CHECK(decoder.decode(8, {0, 0, 8, 4}).height == 4);

  const CheckReport all = check_tree(tmp.path(), {1, {}, true});
  CHECK(all.files == 7);
  CHECK(all.bad.size() == 5);
}

TEST_CASE("format sniffing names common formats", "[data][bad]") {
  auto name = [](std::vector<std::uint8_t> b) { return describe_format(b); };
  CHECK(name({0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}) == "PNG image");
  CHECK(name({'B', 'M', 0, 0}) == "BMP image");
  CHECK(name({'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'E', 'B', 'P'}) == "WebP image");
  CHECK(name({' ', '<', 'h', 't', 'm', 'l', '>'}) == "HTML document");
  CHECK(name({0x12, 0x34}) == "unrecognised content (first bytes 12 34)");
  CHECK(looks_like_jpeg(std::vector<std::uint8_t>{0xFF, 0xD8, 0xFF}));
  CHECK_FALSE(looks_like_jpeg(std::vector<std::uint8_t>{0xFF}));
}
