#include <catch2/catch.hpp>

#include <fstream>
#include <functional>

#include "nas/arch_json.h"
#include "nas/json_check.h"
#include "nas/spelling.h"
#include "tests/nas/nas_test_helpers.h"

using namespace autospace;
using namespace autospace::nas;

TEST_CASE("edit distance and suggestions", "[json]") {
  CHECK(edit_distance("", "") == 0);
  CHECK(edit_distance("kernel", "kernal") == 1);
  CHECK(edit_distance("expansion", "expansoin") == 1);  // a swap counts once
  CHECK(edit_distance("stride", "") == 6);
  CHECK(did_you_mean("resolutoin", {"resolution", "classes"}) == "resolution");
  CHECK(did_you_mean("strid", {"stride", "in", "out"}) == "stride");
  CHECK_FALSE(did_you_mean("banana", {"stride", "in", "out"}).has_value());
  CHECK_FALSE(did_you_mean("x", {"in"}).has_value());
}

TEST_CASE("bad arch.json inputs are rejected with the JSON path and the problem", "[json]") {
  const Json good = read_json_file(test::arch_config("mobilenet_v2.json"));
  REQUIRE_NOTHROW(arch_from_json(good));
  struct Case {
    const char* what;
    std::function<void(Json&)> edit;
    std::string message;
  };
  const Json cell = {{"type", "cell"},
                     {"expansion", 6},
                     {"mix", "sum"},
                     {"edges", {{"0-1", "dw3"}, {"0-2", "zero"}, {"1-2", "id"}, {"0-3", "zero"}, {"1-3", "zero"}, {"2-3", "id"}}}};
  const std::vector<Case> cases = {
      {"misspelt key", [](Json& j) { j["layers"][3]["block"]["expansoin"] = j["layers"][3]["block"]["expansion"]; },
       "layers[3].block.expansoin: unknown key \"expansoin\" (did you mean \"expansion\"?)"},
      {"misspelt top-level key", [](Json& j) { j["resolutoin"] = 224; },
       "resolutoin: unknown key \"resolutoin\" (did you mean \"resolution\"?)"},
      {"unknown key, nothing close", [](Json& j) { j["stem"]["banana"] = 1; },
       "stem.banana: unknown key \"banana\" (allowed: \"channels\", \"kernel\", \"stride\")"},
      {"wrong type", [](Json& j) { j["layers"][2]["block"]["expansion"] = "6"; },
       "layers[2].block.expansion: expected an integer, got string \"6\""},
      {"float for an integer", [](Json& j) { j["classes"] = 10.5; }, "classes: expected an integer, got 10.5"},
      {"out of range", [](Json& j) { j["layers"][2]["block"]["expansion"] = 40; },
       "layers[2].block.expansion: 40 is out of range: expected an integer in [1, 16]"},
      {"even kernel", [](Json& j) { j["layers"][1]["block"]["kernel"] = 4; },
       "layers[1].block.kernel: kernel 4 must be odd"},
      {"stride 3", [](Json& j) { j["layers"][1]["stride"] = 3; }, "layers[1].stride: 3 is out of range: expected an integer in [1, 2]"},
      {"dropout of 1", [](Json& j) { j["head"]["dropout"] = 1.0; },
       "head.dropout: 1.0 is out of range: expected a number in [0, 1)"},
      {"squeeze-excite ratio 0", [](Json& j) { j["layers"][1]["block"]["se_ratio"] = 0; },
       "layers[1].block.se_ratio: 0 is out of range: expected a number in (0, 1]"},
      {"missing key", [](Json& j) { j["layers"][0].erase("stride"); }, "layers[0]: missing key \"stride\""},
      {"missing top-level key", [](Json& j) { j.erase("classes"); }, "(top level): missing key \"classes\""},
      {"misspelt enum", [](Json& j) { j["activation"] = "relu7"; },
       "activation: \"relu7\" is not one of \"relu\", \"relu6\", \"swish\", \"hswish\" (did you mean \"relu6\"?)"},
      {"misspelt block type", [](Json& j) { j["layers"][0]["block"]["type"] = "mbcon"; },
       "layers[0].block.type: \"mbcon\" is not one of \"cell\", \"mbconv\", \"zero\" (did you mean \"mbconv\"?)"},
      {"block without type", [](Json& j) { j["layers"][0]["block"].erase("type"); }, "layers[0].block: missing key \"type\""},
      {"not an array", [](Json& j) { j["layers"] = Json::object(); }, "layers: expected an array, got an object"},
      {"not an object", [](Json& j) { j["layers"][4] = 7; }, "layers[4]: expected an object, got 7"},
      {"channels do not chain", [](Json& j) { j["layers"][5]["in"] = 33; },
       "layers[5].in: 33 does not match the channels coming in (32 from the previous layer's out)"},
      {"first layer does not match the stem", [](Json& j) { j["layers"][0]["in"] = 16; },
       "layers[0].in: 16 does not match the channels coming in (32 from the stem)"},
      {"zero where it is illegal", [](Json& j) { j["layers"][1]["block"] = {{"type", "zero"}}; },
       "layers[1].block: a zero block needs stride 1 and in == out (here stride 2, 16 -> 24 channels)"},
      {"zero with a kernel", [](Json& j) { j["layers"][2]["block"] = {{"type", "zero"}, {"kernel", 3}}; },
       "layers[2].block.kernel: unknown key \"kernel\""},
      {"cell with a bad op", [&](Json& j) { j["layers"][2]["block"] = cell; j["layers"][2]["block"]["edges"]["0-1"] = "dw4"; },
       "layers[2].block.edges.0-1: kernel 4 of op \"dw4\" must be odd"},
      {"cell with an unknown edge", [&](Json& j) { j["layers"][2]["block"] = cell; j["layers"][2]["block"]["edges"]["0-4"] = "id"; },
       "layers[2].block.edges.0-4: unknown key \"0-4\""},
      {"cell with a missing edge", [&](Json& j) { j["layers"][2]["block"] = cell; j["layers"][2]["block"]["edges"].erase("2-3"); },
       "layers[2].block.edges: missing key \"2-3\""},
      {"invalid cell", [&](Json& j) { j["layers"][2]["block"] = cell; j["layers"][2]["block"]["edges"]["1-2"] = "zero"; },
       "layers[2].block: cell e6:sum:dw3|zero,zero|zero,zero,id is invalid: n3 is not reachable from n0"},
      {"MAdds that disagree", [](Json& j) { j["madds"] = 1; },
       "madds: 1 disagrees with the cost model, which gives 300774272"},
      {"params that disagree", [](Json& j) { j["params"] = 3504871; },
       "params: 3504871 disagrees with the cost model, which gives 3504872"},
      {"wrong format", [](Json& j) { j["format"] = "autospace.space/1"; },
       "format: expected \"autospace.arch/1\", got \"autospace.space/1\""},
      {"huge unsigned", [](Json& j) { j["madds"] = std::uint64_t{18'000'000'000'000'000'000u}; },
       "madds: 18000000000000000000 is out of range"},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    Json j = good;
    c.edit(j);
    CHECK_THAT(test::error_of([&] { arch_from_json(j); }), Catch::Contains(c.message));
  }
}

TEST_CASE("a valid cell layer is accepted where the MBConv was", "[json]") {
  Json j = read_json_file(test::arch_config("mobilenet_v2.json"));
  j["layers"][2]["block"] = {{"type", "cell"},
                             {"expansion", 6},
                             {"mix", "sum"},
                             {"edges", {{"0-1", "dw3"}, {"0-2", "zero"}, {"1-2", "id"}, {"0-3", "zero"}, {"1-3", "zero"}, {"2-3", "id"}}}};
  // The reference cell is the MBConv e6 k3 it replaces: same MAdds and params.
  CHECK_NOTHROW(arch_from_json(j));
}

TEST_CASE("JSON syntax errors and duplicate keys name the file", "[json]") {
  test::TempDir dir;
  const auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir / name) << text;
    return dir / name;
  };
  const auto syntax = write("syntax.json", "{\n  \"a\": 1,\n  \"b\": }\n");
  CHECK_THAT(test::error_of([&] { read_json_file(syntax); }), Catch::Contains(syntax.string() + ": parse error at line 3"));
  const auto duplicate = write("duplicate.json", "{\"stem\": {\"kernel\": 3, \"kernel\": 5}}");
  CHECK_THAT(test::error_of([&] { read_json_file(duplicate); }), Catch::Contains("duplicate key \"kernel\""));
  // A number no double holds is the JSON library's out_of_range, not a parse error (found by fuzz_arch_json).
  const auto huge = write("huge.json", "{\"eps\": 1e99999}");
  CHECK_THAT(test::error_of([&] { read_json_file(huge); }),
             Catch::StartsWith(huge.string() + ": ") && Catch::Contains("number overflow"));
  CHECK_THAT(test::error_of([&] { read_json_file(dir / "absent.json"); }), Catch::Contains("absent.json: cannot open for reading"));
  // Errors in the content name the file too.
  Json j = read_json_file(test::arch_config("mobilenet_v2.json"));
  j["layers"][3]["strid"] = 1;
  const auto bad = write("bad.json", j.dump());
  CHECK_THAT(test::error_of([&] { load_arch(bad); }),
             Catch::Contains(bad.string() + ": layers[3].strid: unknown key \"strid\" (did you mean \"stride\"?)"));
}
