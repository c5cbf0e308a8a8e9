#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "engine/io/checkpoint.h"
#include "engine/io/safetensors.h"
#include "tests/support/test_support.h"

using namespace autospace;
namespace fs = std::filesystem;

namespace {

fs::path temp_dir() {
  fs::path d = fs::temp_directory_path() / ("autospace-test-" + std::to_string(::getpid()));
  fs::create_directories(d);
  return d;
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_all(const fs::path& p, const std::string& s) {
  std::ofstream(p, std::ios::binary) << s;
}

// An independent minimal reader: finds a tensor's entry in the header by plain string
// search (no JSON library) and returns its raw bytes.
std::string minimal_read(const std::string& file, const std::string& name, std::string* dtype) {
  std::uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= static_cast<std::uint64_t>(static_cast<unsigned char>(file[i])) << (8 * i);
  const std::string header = file.substr(8, n);
  const auto at = header.find("\"" + name + "\"");
  REQUIRE(at != std::string::npos);
  const auto dt = header.find("\"dtype\":\"", at);
  *dtype = header.substr(dt + 9, header.find('"', dt + 9) - dt - 9);
  const auto off = header.find("\"data_offsets\":[", at);
  std::size_t begin = 0, end = 0;
  REQUIRE(std::sscanf(header.c_str() + off + 16, "%zu,%zu", &begin, &end) == 2);
  return file.substr(8 + n + begin, end - begin);
}

}  // namespace

TEST_CASE("safetensors round trip and an independent reader agree", "[io][safetensors]") {
  const fs::path dir = temp_dir();
  Tensor w = test::random_tensor({4, 3, 3, 2}, 5);
  Tensor idx = Tensor::from_int64(std::vector<std::int64_t>{7, -1, 3}, {3});
  Tensor half = w.to(DType::bf16);
  io::write_safetensors(dir / "a.safetensors", {{"conv.weight", w}, {"ids", idx}, {"half", half}}, {{"k", "v"}});

  io::SafetensorsContents c = io::read_safetensors(dir / "a.safetensors");
  REQUIRE(c.tensors.size() == 3);
  CHECK(c.metadata.at("k") == "v");
  CHECK(c.at("conv.weight").shape() == w.shape());
  CHECK(c.at("conv.weight").to_vector() == w.to_vector());
  CHECK(std::memcmp(c.at("ids").raw_data(), idx.raw_data(), 24) == 0);
  CHECK(c.at("half").dtype() == DType::bf16);
  CHECK_THROWS_WITH(c.at("nope"), Catch::Contains("no tensor named \"nope\""));

  const std::string file = read_all(dir / "a.safetensors");
  CHECK((8 + [&] { std::uint64_t n = 0; for (int i = 0; i < 8; ++i) n |= std::uint64_t(std::uint8_t(file[i])) << (8 * i); return n; }()) % 8 == 0);
  std::string dtype;
  const std::string raw = minimal_read(file, "conv.weight", &dtype);
  CHECK(dtype == "F32");
  REQUIRE(raw.size() == w.nbytes());
  CHECK(std::memcmp(raw.data(), w.raw_data(), raw.size()) == 0);
  CHECK(minimal_read(file, "ids", &dtype).size() == 24);
  CHECK(dtype == "I64");
  fs::remove_all(dir);
}

TEST_CASE("truncated and corrupt safetensors files are rejected with the file named", "[io][safetensors]") {
  const fs::path dir = temp_dir();
  io::write_safetensors(dir / "good.safetensors", {{"x", test::random_tensor({16, 16}, 1)}});
  const std::string good = read_all(dir / "good.safetensors");
  const fs::path bad = dir / "bad.safetensors";

  write_all(bad, good.substr(0, good.size() - 10));
  CHECK_THROWS_WITH(io::read_safetensors(bad), Catch::Contains("bad.safetensors") && Catch::Contains("outside the"));
  write_all(bad, good.substr(0, 5));
  CHECK_THROWS_WITH(io::read_safetensors(bad), Catch::Contains("too short"));
  write_all(bad, good.substr(0, 40));
  CHECK_THROWS_WITH(io::read_safetensors(bad), Catch::Contains("truncated"));
  std::string flipped = good;
  flipped[8] = '#';  // the header's opening brace
  write_all(bad, flipped);
  CHECK_THROWS_WITH(io::read_safetensors(bad), Catch::Contains("not valid JSON"));
  std::string huge = good;
  huge[7] = 0x7f;
  write_all(bad, huge);
  CHECK_THROWS_WITH(io::read_safetensors(bad), Catch::Contains("implausible"));
  CHECK_THROWS_WITH(io::read_safetensors(dir / "missing.safetensors"), Catch::Contains("cannot open"));
  fs::remove_all(dir);
}

TEST_CASE("checkpoints hold model, optimiser and JSON state, never half-written", "[io][checkpoint]") {
  const fs::path dir = temp_dir();
  io::Checkpoint ck;
  ck.model = {{"fc.weight", test::random_tensor({3, 2}, 1)}};
  ck.optimizer = {{"fc.weight.momentum_buffer", test::random_tensor({3, 2}, 2)}};
  ck.state = {{"step", 17}, {"population", {"e6:sum:dw3|zero,id|zero,zero,id"}}};
  io::save_checkpoint(dir / "ck.safetensors", ck);
  for (const auto& entry : fs::directory_iterator(dir))
    CHECK(entry.path().filename().string().find(".tmp") == std::string::npos);

  io::Checkpoint back = io::load_checkpoint(dir / "ck.safetensors");
  CHECK(back.state["step"] == 17);
  REQUIRE(back.model.size() == 1);
  CHECK(back.model[0].first == "fc.weight");
  CHECK(back.model[0].second.to_vector() == ck.model[0].second.to_vector());
  CHECK(back.optimizer[0].first == "fc.weight.momentum_buffer");

  io::write_safetensors(dir / "plain.safetensors", {{"x", Tensor::zeros({1})}});
  CHECK_THROWS_WITH(io::load_checkpoint(dir / "plain.safetensors"), Catch::Contains("not an AutoSpace checkpoint"));
  CHECK_THROWS_WITH(io::load_checkpoint(dir / "none.safetensors"), Catch::Contains("checkpoint not found"));
  fs::remove_all(dir);
}

TEST_CASE("safetensors: a flipped data byte is found and named, files without checksums load", "[io][safetensors]") {
  const fs::path dir = temp_dir();
  const Tensor w = test::random_tensor({4, 3}, 7), b = test::random_tensor({3}, 8);
  const std::string bytes = io::encode_safetensors({{"fc.weight", w}, {"fc.bias", b}}, {{"k", "v"}});
  const io::SafetensorsContents intact = io::decode_safetensors(bytes, "intact.safetensors");
  CHECK(intact.checksummed);
  CHECK(intact.metadata == std::map<std::string, std::string>{{"k", "v"}});  // the checksums stay internal

  // One bit of fc.bias (the last tensor, at the end of the data section) flipped.
  std::string flipped = bytes;
  flipped[flipped.size() - 5] ^= 0x01;
  CHECK_THROWS_WITH(io::decode_safetensors(flipped, "flipped.safetensors"),
                    "flipped.safetensors: tensor \"fc.bias\": checksum mismatch: its bytes changed after the file "
                    "was written (a corrupt file; use an intact copy or an earlier checkpoint)");

  // A checkpoint with a flipped byte is refused too (a resume must not continue from it).
  const fs::path checkpoint = dir / "flipped-checkpoint.safetensors";
  io::save_checkpoint(checkpoint, {{{"w", w}}, {}, {{"step", 3}}});
  std::string file = read_all(checkpoint);
  file[file.size() - 1] ^= 0x10;
  std::ofstream(checkpoint, std::ios::binary) << file;
  CHECK_THROWS_WITH(io::load_checkpoint(checkpoint), Catch::Contains("checksum mismatch"));

  // Another tool's file: the same layout without the checksums entry.
  const std::string header = R"({"fc.bias":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
  std::string foreign(8, '\0');
  foreign[0] = static_cast<char>(header.size());
  foreign += header;
  const float one = 1.0f;
  foreign.append(reinterpret_cast<const char*>(&one), 4);
  const io::SafetensorsContents other = io::decode_safetensors(foreign, "torch.safetensors");
  CHECK_FALSE(other.checksummed);
  CHECK(other.at("fc.bias").to_vector() == std::vector<float>{1.0f});
  fs::remove_all(dir);
}
