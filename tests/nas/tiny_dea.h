#pragma once
// The smallest DEA that still regenerates every few steps: 8x8 inputs, 3 classes, two
// searchable stages; shared by the single-process evolution tests and the two-rank check.
#include "nas/dea/evolution.h"

namespace autospace::test {

inline nas::Backbone tiny_dea_backbone() {
  nas::Backbone b;
  b.net.resolution = 8;
  b.net.classes = 3;
  b.net.stem = {8, 3, 1};
  b.net.head = {16, 0.0};
  b.fixed = {};
  b.stages = {{8, 2, 1}, {12, 1, 2}};
  return b;
}

inline nas::DeaSettings tiny_dea_settings() {
  nas::DeaSettings s;
  s.population = 6;
  s.supernet_cells = 3;
  s.children = 2;
  s.tournament = 3;
  s.top_k = 2;
  s.period = 3;
  return s;
}

}  // namespace autospace::test
