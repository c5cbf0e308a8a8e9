// The cell genotype parser ("e3:concat:dw3|c1,id|zero,dw5,id"), then what the DEA does
// with a parsed cell: printing and parsing back, the canonical form and its hash.
#include "nas/genotype.h"
#include "tests/fuzz/fuzz_target.h"

using namespace autospace;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::expect_clean_refusal([&] {
    const nas::Genotype g = nas::parse_genotype(fuzz::as_text(data, size));
    fuzz::require(nas::parse_genotype(nas::to_string(g)) == g, "a parsed cell prints and parses back to itself");
    const nas::Genotype c = nas::canonical(g);
    fuzz::require(nas::canonical(c) == c, "canonical() is idempotent");
    fuzz::require(nas::cell_hash(g) == nas::cell_hash(c), "a cell hashes as its canonical form");
    fuzz::require(nas::hamming_distance(g, c) == 0, "a cell is at distance 0 from its canonical form");
  });
  return 0;
}
