#include "apps/report/inspect.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "kernels/common/check.h"
#include "nas/arch_json.h"
#include "nas/draw_dot.h"
#include "nas/draw_svg.h"
#include "nas/search/space_table.h"
#include "nas/space_json.h"
#include "nas/spelling.h"
#include "nas/summary.h"

namespace autospace::apps {

namespace {

using namespace autospace::nas;

constexpr const char* kUsage =
    "usage: autospace-inspect FILE.json [--dot OUT.dot] [--svg OUT.svg]\n"
    "       autospace-inspect --cell GENOTYPE [--dot OUT.dot] [--svg OUT.svg]\n"
    "       autospace-inspect SPACE.json --choice KEY --arch-out OUT.json\n"
    "Prints the per-layer table of an arch.json or a space.json (block, shapes, MAdds,\n"
    "params, totals), or the canonical form of a cell such as e6:sum:dw3|zero,id|zero,zero,id,\n"
    "and draws it as Graphviz DOT and/or standalone SVG. --choice writes the network a\n"
    "choice key picks from a space (one candidate index per layer joined by '.', as in\n"
    "search-summary.json) as an arch.json that autospace-train takes, and prints its table.\n";

struct Options {
  std::string file;
  std::string cell;
  std::string dot;
  std::string svg;
  std::string choice;
  std::string arch_out;
};

// Empty on success, else the usage problem.
std::string parse_options(const std::vector<std::string>& args, Options& o) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const std::pair<const char*, std::string*> valued[] = {
        {"--dot", &o.dot}, {"--svg", &o.svg}, {"--cell", &o.cell}, {"--choice", &o.choice}, {"--arch-out", &o.arch_out}};
    const auto option = std::find_if(std::begin(valued), std::end(valued), [&](const auto& v) { return a == v.first; });
    if (option != std::end(valued)) {
      if (i + 1 == args.size()) return a + " needs a value";
      *option->second = args[++i];
    } else if (a.rfind("--", 0) == 0) {
      std::string problem = "unknown option " + a;
      if (const auto guess = did_you_mean(a, {"--dot", "--svg", "--cell", "--choice", "--arch-out", "--help"}))
        problem += " (did you mean " + *guess + "?)";
      return problem;
    } else if (o.file.empty()) {
      o.file = a;
    } else {
      return "more than one input file (" + o.file + ", " + a + ")";
    }
  }
  if (o.file.empty() == o.cell.empty()) return "give exactly one of FILE.json or --cell GENOTYPE";
  if (o.choice.empty() != o.arch_out.empty()) return "--choice and --arch-out go together";
  if (!o.choice.empty() && o.file.empty()) return "--choice needs a SPACE.json";
  return "";
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out || !(out << text) || !out.flush()) AUTOSPACE_THROW(path, ": cannot write");
}

std::string describe_cell(const Genotype& g) {
  const Genotype c = canonical(g);
  char hash[32];
  std::snprintf(hash, sizeof hash, "%016llx", static_cast<unsigned long long>(cell_hash(g)));
  std::ostringstream os;
  os << "cell       " << to_string(g) << "\ncanonical  " << to_string(c) << "\nvalid      "
     << (is_valid(g) ? "yes" : "no (n3 is not reachable from n0)") << "\nhash       " << hash << "\nlive edges";
  const auto live = live_edges(g);
  for (int e = 0; e < kEdgeCount; ++e)
    if (live[e]) os << " " << edge_name(e) << ":" << to_string(c.edges[e]);
  os << "\ndistance to the reference " << to_string(reference_genotype()) << ": "
     << hamming_distance(g, reference_genotype()) << "\n";
  return os.str();
}

// The table and the drawing of whatever `options` names.
std::pair<std::string, Figure> inspect(const Options& options) {
  if (!options.cell.empty()) {
    const Genotype g = parse_genotype(options.cell);
    return {describe_cell(g), cell_figure(g)};
  }
  const Json value = read_json_file(options.file);
  const std::vector<std::string> formats = {kArchFormat, kSpaceFormat};
  try {
    if (!value.is_object() || !value.contains("format"))
      json_fail("", "missing key \"format\": \"" + std::string(kArchFormat) + "\" for an arch.json, \"" + kSpaceFormat +
                        "\" for a space.json");
    const bool is_arch = json_choice(value.at("format"), "format", formats) == 0;
    if (!options.choice.empty() && is_arch) json_fail("format", "--choice picks from a space.json, not an arch.json");
    if (is_arch) {
      const Arch arch = arch_from_json(value);
      return {arch_table(arch), arch_figure(arch)};
    }
    const auto space = space_from_json(value);
    if (!options.choice.empty()) {
      const SpaceTable table(*space);
      // Refuses a key of the wrong length or an index past a layer's candidates.
      const Arch arch = table.arch(parse_choice_key(options.choice, "--choice"), "choice-" + options.choice);
      save_arch(options.arch_out, arch);
      return {arch_table(arch) + "wrote " + options.arch_out + "\n", arch_figure(arch)};
    }
    return {space_table(*space), space_figure(*space)};
  } catch (const Error& e) {
    AUTOSPACE_THROW(options.file, ": ", e.what());
  }
}

}  // namespace

int inspect_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  for (const std::string& a : args) {
    if (a == "--help" || a == "-h") {
      out << kUsage;
      return 0;
    }
  }
  Options options;
  if (const std::string problem = parse_options(args, options); !problem.empty()) {
    err << "autospace-inspect: " << problem << "\n" << kUsage;
    return 2;
  }
  try {
    const auto [table, figure] = inspect(options);
    out << table;
    if (!options.dot.empty()) {
      write_text(options.dot, draw_dot(figure));
      out << "wrote " << options.dot << "\n";
    }
    if (!options.svg.empty()) {
      write_text(options.svg, draw_svg(figure));
      out << "wrote " << options.svg << "\n";
    }
  } catch (const Error& e) {
    err << "autospace-inspect: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace autospace::apps
