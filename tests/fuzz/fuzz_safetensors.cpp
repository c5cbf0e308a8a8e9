// The safetensors reader (header, offsets, dtypes, checksums) and, when the file says it
// is one, the checkpoint reader over it.
//
// AUTOSPACE_FUZZ_WRITE_SEED=DIR writes two seeds there (a weights file of every dtype and
// a checkpoint, both with checksums) and exits.
#include <cstdlib>
#include <filesystem>
#include <string>

#include "engine/io/checkpoint.h"
#include "engine/io/safetensors.h"
#include "tests/fuzz/fuzz_target.h"

using namespace autospace;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const char* dir = std::getenv("AUTOSPACE_FUZZ_WRITE_SEED")) {
    const std::filesystem::path seeds = dir;
    const Tensor weight = Tensor::from_vector({0.5f, -1.f, 2.f, 0.25f, 3.f, -0.75f}, {2, 3});
    io::write_safetensors(seeds / "weights.safetensors",
                          {{"conv.weight", weight}, {"conv.weight.bf16", weight.to(DType::bf16)},
                           {"steps", Tensor::from_int64({7, 9}, {2})}},
                          {{"format", "autospace.weights/1"}, {"arch_name", "tiny"}});
    io::save_checkpoint(seeds / "checkpoint.safetensors",
                        {{{"conv.weight", weight}}, {{"sgd.momentum.conv.weight", weight}}, {{"step", 3}}});
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::expect_clean_refusal([&] {
    io::SafetensorsContents contents = io::decode_safetensors(std::string(fuzz::as_text(data, size)), "fuzz.safetensors");
    if (io::is_checkpoint(contents)) io::checkpoint_from(std::move(contents));
  });
  return 0;
}
