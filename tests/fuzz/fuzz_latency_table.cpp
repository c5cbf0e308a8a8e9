// A latency table (nas/latency/latency_table.h), a file users share: the strict reader,
// then the writer and the reader again, which must write the same document.
#include "nas/latency/latency_table.h"
#include "tests/fuzz/fuzz_target.h"

using namespace autospace;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::expect_clean_refusal([&] {
    const nas::LatencyTable table = nas::LatencyTable::from_json(nas::parse_json_text(fuzz::as_text(data, size), "fuzz.json"));
    const nas::Json written = table.to_json();
    fuzz::require(nas::LatencyTable::from_json(written).to_json() == written, "a table writes and reads back");
  });
  return 0;
}
