#include "engine/nn/classification_meter.h"

#include <cstdio>

#include "kernels/common/check.h"

namespace autospace::nn {

std::string ClassificationMeter::line() const {
  // Nothing read yet (before a phase's first log line) shows as such, not as zeros.
  if (images == 0) return "loss -  acc -";
  char text[64];
  std::snprintf(text, sizeof text, "loss %.3f  acc %.1f%%", loss(), 100 * accuracy());
  return text;
}

nlohmann::json ClassificationMeter::to_json() const {
  return {{"loss", loss_sum}, {"correct", correct}, {"images", images}, {"steps", steps}};
}

ClassificationMeter ClassificationMeter::from_json(const nlohmann::json& j, const std::string& source) {
  // Checked first: get<int64_t>() of a float outside int64 is undefined behaviour.
  const auto count = [&](const char* key) {
    const nlohmann::json& v = j.at(key);
    if (!v.is_number_integer()) AUTOSPACE_THROW(source, ": meter state: ", key, ": expected an integer, got ", v.dump());
    return v.get<std::int64_t>();
  };
  if (!j.at("loss").is_number()) AUTOSPACE_THROW(source, ": meter state: loss: expected a number, got ", j.at("loss").dump());
  return {j.at("loss").get<double>(), count("correct"), count("images"), count("steps")};
}

}  // namespace autospace::nn
