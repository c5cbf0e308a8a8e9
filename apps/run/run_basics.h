#pragma once
// The keys every phase's run description starts with — run_dir, seed, device, threads and
// the data section — read and written in one place for all the phase binaries.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "apps/run/data_setup.h"
#include "engine/core/precision.h"
#include "engine/ops/conv_autotune.h"

namespace autospace::apps {

struct RunBasics {
  std::filesystem::path run_dir;
  std::uint64_t seed = 0;
  std::string device = "cpu";  // "cpu", "cuda", "cuda:N" or "auto"
  int threads = 0;             // CPU kernel threads; 0: all cores
  // "precision": "fp32", "tf32" (GPU only) or "bf16" (engine/core/precision.h).
  MatmulPrecision precision = MatmulPrecision::fp32;
  // Which kernels serve a GPU's convolutions ("conv_backend": "native", "cudnn" or
  // "autotune"); a CPU run ignores it.
  ops::ConvBackendSetting conv_backend = ops::ConvBackendSetting::native;
  // Whether a GPU run's evaluation forwards replay CUDA graphs ("cuda_graphs",
  // engine/nn/graphed_forward.h); a CPU run ignores it.
  bool cuda_graphs = false;
  DataSettings data;
};

// The top-level keys parse_run_basics reads, then `phase_keys`: what a phase's top-level
// reader allows.
std::vector<std::string> with_run_basics_keys(std::vector<std::string> phase_keys);

// How a settings reader treats the input file a phase starts from (search's space, train's
// arch): read and checked, or pending — an earlier phase of the pipeline has still to
// write it, so only the rest of the description can be checked now.
enum class InputFile { read, pending };

// Reads the common keys of `r` (which must allow them). Without a default run_dir the key
// is required.
void parse_run_basics(const nas::ObjectReader& r, const std::optional<std::filesystem::path>& default_run_dir,
                      RunBasics& out);
// Writes them (defaults included; precision only when not fp32, so that run directories
// from before the key resume) into the resolved description.
void write_run_basics(const RunBasics& basics, nas::Json& out);

}  // namespace autospace::apps
