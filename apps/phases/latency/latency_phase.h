#pragma once
// autospace-latency: the latency table of a space, measured by the engine on the device a
// network is meant for, and the additive model checked against whole networks.
//
//   {"run_dir": "runs/latency", "seed": 0,
//    "space": "runs/quickstart/evolve/space.json",   or a space.json object inline
//    "latency": {...latency_settings.h: table, device, threads, batch, warmup, runs...},
//    "check": {"archs": 8, "arch_files": ["runs/search/arch.json"], "calibrate": true}}
//
// Units: one per part the table lacks (stem, fixed layers, head, every candidate of every
// searchable layer at its position, and the parts of the named networks), then one per
// checked network — each of `arch_files`, then `archs` random networks of the space —,
// built whole and timed like the parts, next to the sum of its parts' entries. The table
// is saved as it grows (a killed run measures only what is left); the run directory gets
// latency-check.json with every checked network and the model's error.
// With `calibrate` (and at least 3 networks) the table takes the median ratio measured /
// sum of parts as its calibration scale (latency_table.h); the check reports the error with
// it from each network's leave-one-out scale, so no network is judged by its own timing.
#include <memory>
#include <vector>

#include "apps/phases/latency/latency_settings.h"
#include "apps/run/phase.h"

namespace autospace::apps {

std::unique_ptr<Phase> make_latency_phase(const LatencyRunSettings& settings);

}  // namespace autospace::apps
