// The DEA's checkpoint state (populations, supernet members, gate logits and counters,
// grown bank slots), restored into a fresh evolution of the smallest backbone, as a
// resumed autospace-evolve does. Malformed state may be refused with any exception: the
// phase runner names the checkpoint file in front of it (apps/run/runner.cpp).
//
// AUTOSPACE_FUZZ_WRITE_SEED=FILE writes a real state (a few steps in) as the seed and exits.
#include <cstdlib>
#include <fstream>

#include "engine/rng/rng.h"
#include "tests/fuzz/fuzz_target.h"
#include "tests/nas/tiny_dea.h"

using namespace autospace;

namespace {

constexpr std::int64_t kTotalSteps = 12;

nas::Evolution fresh_evolution() { return {test::tiny_dea_backbone(), test::tiny_dea_settings(), 1, kTotalSteps}; }

// A run a few steps in, past its first regeneration, so the state has grown bank slots.
const nas::Evolution& trained() {
  static nas::Evolution evolution = fresh_evolution();
  static const bool stepped = [] {
    const Tensor x = random_normal({4, 8, 8, 3}, {1, RngPurpose::test, 0, 1});
    const Tensor labels = Tensor::from_int64({0, 1, 2, 0}, {4});
    while (evolution.step() < 5) {
      if (evolution.regeneration_due()) evolution.regenerate();
      evolution.weight_step(x, labels, 0.05f);
      evolution.score_step(x, labels);
    }
    return true;
  }();
  (void)stepped;
  return evolution;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const char* file = std::getenv("AUTOSPACE_FUZZ_WRITE_SEED")) {
    std::ofstream(file) << trained().state().dump();
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const nas::Json state = nas::parse_json_text(fuzz::as_text(data, size), "fuzz.json");
    nas::Evolution evolution = fresh_evolution();
    evolution.restore(state, trained().tensors(), trained().optimizer_tensors(), "fuzz.safetensors");
  } catch (const std::exception&) {
  }
  return 0;
}
