#include "nas/arch_json.h"

#include "kernels/common/check.h"
#include "nas/cost_model.h"
#include "nas/network_json.h"

namespace autospace::nas {

Arch arch_from_json(const Json& value) {
  std::vector<std::string> keys = {"format", "name", "layers", "madds", "params"};
  keys.insert(keys.end(), network_setting_keys().begin(), network_setting_keys().end());
  const ObjectReader r(value, "", keys);
  expect_format(r, kArchFormat);
  Arch arch;
  arch.name = r.string_or("name", "");
  arch.net = read_network_settings(r, nullptr);
  const Json& layers = r.array("layers");
  for (std::size_t i = 0; i < layers.size(); ++i) arch.layers.push_back(layer_from_json(layers[i], json_index("layers", i)));
  check_arch(arch);
  check_recorded_cost(r, arch_cost(arch).total);
  return arch;
}

Json arch_to_json(const Arch& arch) {
  Json j;
  j["format"] = kArchFormat;
  j["name"] = arch.name;
  write_network_settings(j, arch.net);
  Json layers = Json::array();
  for (const Layer& layer : arch.layers) layers.push_back(layer_to_json(layer));
  j["layers"] = layers;
  const Cost total = arch_cost(arch).total;
  j["madds"] = total.madds;
  j["params"] = total.params;
  return j;
}

Arch load_arch(const std::filesystem::path& file) {
  const Json value = read_json_file(file);
  try {
    return arch_from_json(value);
  } catch (const Error& e) {
    AUTOSPACE_THROW(file.string(), ": ", e.what());
  }
}

void save_arch(const std::filesystem::path& file, const Arch& arch) { write_json_file(file, arch_to_json(arch)); }

}  // namespace autospace::nas
