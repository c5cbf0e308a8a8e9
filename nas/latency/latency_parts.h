#pragma once
// The parts of networks a latency table times (latency_key.h), each with the module that
// runs it and its input: those of one built network, and every distinct one a space's
// networks can hold; and the measuring of one part (or a whole network) on a device.
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/nn/sequential.h"
#include "nas/latency/latency_table.h"
#include "nas/space.h"

namespace autospace::nas {

struct LatencyPart {
  std::string key;
  Shape input;  // NHWC, batch 1
  // The module, built when it is measured (a space's candidates are many).
  std::function<std::shared_ptr<nn::Module>()> module;
};

// The parts of `model`, the network build_network made of `arch`: its stem, every layer,
// and its head (conv, pool, dropout, classifier) — the network's own modules.
std::vector<LatencyPart> network_parts(const Arch& arch, const nn::Sequential& model);
// Every distinct part of the networks of `space`: the fixed ones (stem, fixed layers,
// head) and each searchable layer's candidates at its position, in that order. Layers
// with equal positions and candidates share their entries, so the open space still has
// tens of thousands per layer; `max_parts` bounds the list (an error past it names the
// space's size).
std::vector<LatencyPart> space_parts(const Space& space, std::size_t max_parts);

// Where `device` with `threads` CPU threads measures (the table's device record).
LatencyDevice latency_device(Device device, int threads);
// Whether `device` of this machine, run with the table's thread count, is where the table
// was measured.
bool measured_on(const LatencyTable& table, Device device);
// The device of this machine the table was measured on — its CPU (run with the table's
// thread count) or a GPU of its name —, if there is one.
std::optional<Device> device_of(const LatencyTable& table);
// One part's forward time on `device` under the table's protocol.
LatencyEntry measure_part(const LatencyPart& part, Device device, const LatencyProtocol& protocol);
// The whole network's, measured the same way (to check the additive model against).
LatencyEntry measure_network(nn::Module& model, const Arch& arch, Device device, const LatencyProtocol& protocol);

// The parts `table` (read from `origin`) has no entry for. With any, the table must have
// been measured on `device` with the current CPU thread count (latency_device): times from
// two devices must not mix, so anything else is an error naming the table and both.
std::vector<const LatencyPart*> missing_parts(const LatencyTable& table, const std::string& origin,
                                              const std::vector<LatencyPart>& parts, Device device);
// The sum of `arch`'s parts' median times; throws naming `origin` and the first part the
// table lacks.
double sum_of_parts_ms(const LatencyTable& table, const Arch& arch, const std::string& origin);
// The additive model: the sum of the parts times the table's calibration scale.
double predicted_latency_ms(const LatencyTable& table, const Arch& arch, const std::string& origin);

}  // namespace autospace::nas
