// space.json: the strict reader (candidates' costs checked against the cost model), then
// the writer and the reader again, which must write the same document.
#include "nas/space_json.h"
#include "tests/fuzz/fuzz_target.h"

using namespace autospace;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::expect_clean_refusal([&] {
    const auto space = nas::space_from_json(nas::parse_json_text(fuzz::as_text(data, size), "fuzz.json"));
    const nas::Json written = nas::space_to_json(*space);
    fuzz::require(nas::space_to_json(*nas::space_from_json(written)) == written, "a space writes and reads back");
  });
  return 0;
}
