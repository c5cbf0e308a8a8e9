#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <vector>

#include "apps/report/inspect.h"
#include "nas/draw_svg.h"
#include "nas/drawing.h"
#include "nas/arch_json.h"
#include "nas/cost_model.h"
#include "nas/search/space_table.h"
#include "nas/space_json.h"
#include "tests/nas/nas_test_helpers.h"

using namespace autospace;
using namespace autospace::nas;

namespace {

struct Run {
  int code;
  std::string out;
  std::string err;
};

Run inspect(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int code = apps::inspect_main(args, out, err);
  return {code, out.str(), err.str()};
}

std::string slurp(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Every element opened is closed in order (the SVG we write has no comments or CDATA).
bool balanced_xml(const std::string& text) {
  std::vector<std::string> open;
  for (std::size_t at = text.find('<'); at != std::string::npos; at = text.find('<', at + 1)) {
    const std::size_t end = text.find('>', at);
    if (end == std::string::npos) return false;
    const std::string tag = text.substr(at + 1, end - at - 1);
    const std::string name = tag.substr(tag[0] == '/' ? 1 : 0, tag.find_first_of(" />", 1) - (tag[0] == '/' ? 1 : 0));
    if (tag[0] == '/') {
      if (open.empty() || open.back() != name) return false;
      open.pop_back();
    } else if (tag.back() != '/') {
      open.push_back(name);
    }
  }
  return open.empty();
}

}  // namespace

TEST_CASE("inspect prints the table of an arch.json and draws it", "[inspect]") {
  test::TempDir dir;
  const auto dot = (dir / "net.dot").string();
  const auto svg = (dir / "net.svg").string();
  const Run run = inspect({test::arch_config("efficientnet_b0.json").string(), "--dot", dot, "--svg", svg});
  CHECK(run.code == 0);
  CHECK(run.err.empty());
  CHECK_THAT(run.out, Catch::Contains("layers[11]  mbconv k5 e6 se0.25 s2"));
  CHECK_THAT(run.out, Catch::Contains("385,814,752  5,288,548"));
  CHECK(slurp(dot).rfind("digraph autospace {", 0) == 0);
  const std::string drawing = slurp(svg);
  CHECK(drawing.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0) == 0);
  CHECK(balanced_xml(drawing));
}

TEST_CASE("inspect handles every kind of space.json", "[inspect]") {
  test::TempDir dir;
  const std::vector<std::vector<LearnedCell>> layers(21, {{parse_genotype("e3:concat:dw3|c1,id|zero,id,id"), 0.75}});
  save_space(dir / "learned.json", LearnedSpace(Backbone{}, layers, true));
  const Run learned = inspect({(dir / "learned.json").string(), "--svg", (dir / "learned.svg").string()});
  CHECK(learned.code == 0);
  CHECK_THAT(learned.out, Catch::Contains("learned space: 21 searchable layers"));
  CHECK_THAT(learned.out, Catch::Contains("cell e3:concat:dw3|c1,id|zero,id,id  (fitness 0.75)"));
  CHECK(balanced_xml(slurp(dir / "learned.svg")));

  save_space(dir / "irb.json", IrbSpace(Backbone{}, {}, true));
  const Run irb = inspect({(dir / "irb.json").string(), "--dot", (dir / "irb.dot").string()});
  CHECK(irb.code == 0);
  CHECK_THAT(irb.out, Catch::Contains("7 candidates"));
  CHECK_THAT(irb.out, Catch::Contains("mbconv k7 e6"));

  std::ofstream(dir / "open.json") << R"({"format": "autospace.space/1", "kind": "open", "skip": false})";
  const Run open = inspect({(dir / "open.json").string(), "--svg", (dir / "open.svg").string()});
  CHECK(open.code == 0);
  CHECK_THAT(open.out, Catch::Contains("56,364 candidates"));
  CHECK(balanced_xml(slurp(dir / "open.svg")));
}

TEST_CASE("inspect draws a single cell", "[inspect]") {
  test::TempDir dir;
  const Run run = inspect({"--cell", "e6:concat:dw3|c3,zero|zero,id,zero", "--svg", (dir / "cell.svg").string()});
  CHECK(run.code == 0);
  CHECK_THAT(run.out, Catch::Contains("canonical  e6:sum:dw3|zero,zero|zero,id,zero"));
  const std::string svg = slurp(dir / "cell.svg");
  CHECK(balanced_xml(svg));
  CHECK_THAT(svg, Catch::Contains(">dw3</text>"));
  CHECK_THAT(svg, Catch::Contains(">n2</text>"));
  // The dead n0 -> n2 edge (c3) is not drawn.
  CHECK_THAT(svg, !Catch::Contains(">c3</text>"));
}

TEST_CASE("inspect reports errors with the file and JSON path", "[inspect]") {
  test::TempDir dir;
  std::ofstream(dir / "bad.json") << R"({"format": "autospace.arch/1", "resolutoin": 224})";
  const Run bad = inspect({(dir / "bad.json").string()});
  CHECK(bad.code == 1);
  CHECK_THAT(bad.err, Catch::Contains((dir / "bad.json").string() + ": resolutoin: unknown key \"resolutoin\" (did you mean \"resolution\"?)"));
  std::ofstream(dir / "unknown.json") << R"({"format": "autospace.arhc/1"})";
  CHECK_THAT(inspect({(dir / "unknown.json").string()}).err, Catch::Contains("format: \"autospace.arhc/1\" is not one of"));
  std::ofstream(dir / "noformat.json") << R"({"layers": []})";
  CHECK_THAT(inspect({(dir / "noformat.json").string()}).err, Catch::Contains("missing key \"format\""));
  CHECK(inspect({(dir / "absent.json").string()}).code == 1);
  CHECK_THAT(inspect({"--cell", "e6:sum"}).err, Catch::Contains("cell \"e6:sum\": missing part"));
  const Run usage = inspect({"--svgg", "x.svg"});
  CHECK(usage.code == 2);
  CHECK_THAT(usage.err, Catch::Contains("unknown option --svgg (did you mean --svg?)"));
  CHECK(inspect({}).code == 2);
  CHECK(inspect({"--help"}).code == 0);
}

TEST_CASE("inspect --choice writes the network a choice key picks as an arch.json", "[inspect]") {
  test::TempDir dir;
  const IrbSpace space(Backbone{}, {}, true);
  save_space(dir / "irb.json", space);
  const SpaceTable table(space);
  ArchChoice choice(table.layers());
  for (std::size_t l = 0; l < choice.size(); ++l) choice[l] = static_cast<int>((3 * l + 1) % table.size(l));
  const std::string key = choice_key(choice);
  const Run run = inspect({(dir / "irb.json").string(), "--choice", key, "--arch-out", (dir / "arch.json").string()});
  REQUIRE(run.code == 0);
  CHECK_THAT(run.out, Catch::Contains("wrote " + (dir / "arch.json").string()));
  const Arch arch = load_arch(dir / "arch.json");  // strict: its costs must match the cost model
  CHECK(arch_cost(arch).total.madds == table.cost(choice).madds);
  CHECK(arch_cost(arch).total.params == table.cost(choice).params);
  const std::vector<Block> chosen = table.chosen_blocks(choice);
  const std::size_t fixed = arch.layers.size() - chosen.size();
  for (std::size_t l = 0; l < chosen.size(); ++l) CHECK(arch.layers[fixed + l].block == chosen[l]);

  const auto error = [&](const std::string& k) {
    return inspect({(dir / "irb.json").string(), "--choice", k, "--arch-out", (dir / "x.json").string()});
  };
  CHECK_THAT(error("0.1").err, Catch::Contains("irb.json") && Catch::Contains("architecture choice has 2 layers, the space 21"));
  std::string too_big = key;
  too_big.replace(0, too_big.find('.'), std::to_string(table.size(0)));
  CHECK_THAT(error(too_big).err, Catch::Contains("layer 0 picks candidate " + std::to_string(table.size(0)) + " of " +
                                                 std::to_string(table.size(0)) + " (0.."));
  CHECK_THAT(error("1.x").err, Catch::Contains("is not an architecture choice"));
  CHECK_FALSE(std::filesystem::exists(dir / "x.json"));
  CHECK(inspect({(dir / "irb.json").string(), "--choice", key}).code == 2);  // no --arch-out
  CHECK_THAT(inspect({(dir / "arch.json").string(), "--choice", key, "--arch-out", (dir / "y.json").string()}).err,
             Catch::Contains("not an arch.json"));
}
