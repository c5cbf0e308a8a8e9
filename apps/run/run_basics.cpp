#include "apps/run/run_basics.h"

#include <limits>

namespace autospace::apps {

std::vector<std::string> with_run_basics_keys(std::vector<std::string> phase_keys) {
  std::vector<std::string> keys = {"run_dir", "seed", "device", "threads", "precision", "conv_backend", "cuda_graphs", "data"};
  keys.insert(keys.end(), phase_keys.begin(), phase_keys.end());
  return keys;
}

void parse_run_basics(const nas::ObjectReader& r, const std::optional<std::filesystem::path>& default_run_dir,
                      RunBasics& out) {
  out.run_dir = default_run_dir ? r.string_or("run_dir", default_run_dir->string()) : r.string("run_dir");
  if (out.run_dir.empty()) nas::json_fail(r.path_of("run_dir"), "must not be empty");
  out.seed = static_cast<std::uint64_t>(r.integer_or("seed", 0, 0, std::numeric_limits<std::int64_t>::max()));
  out.device = r.string_or("device", out.device);
  out.threads = static_cast<int>(r.integer_or("threads", out.threads, 0, 1024));
  if (r.has("precision")) out.precision = static_cast<MatmulPrecision>(r.choice("precision", matmul_precision_names()));
  if (r.has("conv_backend"))
    out.conv_backend = static_cast<ops::ConvBackendSetting>(r.choice("conv_backend", ops::conv_backend_names()));
  out.cuda_graphs = r.boolean_or("cuda_graphs", out.cuda_graphs);
  out.data = parse_data_settings(r.has("data") ? r.at("data") : nas::Json::object(), r.path_of("data"));
}

void write_run_basics(const RunBasics& b, nas::Json& out) {
  out["run_dir"] = b.run_dir.string();
  out["seed"] = b.seed;
  out["device"] = b.device;
  out["threads"] = b.threads;
  if (b.precision != MatmulPrecision::fp32)
    out["precision"] = matmul_precision_names().at(static_cast<std::size_t>(b.precision));
  if (b.conv_backend != ops::ConvBackendSetting::native)
    out["conv_backend"] = ops::conv_backend_names().at(static_cast<std::size_t>(b.conv_backend));
  if (b.cuda_graphs) out["cuda_graphs"] = true;
  out["data"] = to_json(b.data);
}

}  // namespace autospace::apps
