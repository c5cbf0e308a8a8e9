// arch.json: the strict reader (errors name the JSON path), then the writer and the reader
// again, which must give back the same architecture.
#include "nas/arch_json.h"
#include "tests/fuzz/fuzz_target.h"

using namespace autospace;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::expect_clean_refusal([&] {
    const nas::Arch arch = nas::arch_from_json(nas::parse_json_text(fuzz::as_text(data, size), "fuzz.json"));
    fuzz::require(nas::arch_from_json(nas::arch_to_json(arch)) == arch, "an arch writes and reads back to itself");
  });
  return 0;
}
