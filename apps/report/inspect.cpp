#include "apps/report/inspect.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "kernels/common/check.h"
#include "nas/arch_json.h"
#include "nas/draw_dot.h"
#include "nas/draw_svg.h"
#include "nas/space_json.h"
#include "nas/spelling.h"
#include "nas/summary.h"

namespace autospace::apps {

namespace {

using namespace autospace::nas;

constexpr const char* kUsage =
    "usage: autospace-inspect FILE.json [--dot OUT.dot] [--svg OUT.svg]\n"
    "       autospace-inspect --cell GENOTYPE [--dot OUT.dot] [--svg OUT.svg]\n"
    "Prints the per-layer table of an arch.json or a space.json (block, shapes, MAdds,\n"
    "params, totals), or the canonical form of a cell such as e6:sum:dw3|zero,id|zero,zero,id,\n"
    "and draws it as Graphviz DOT and/or standalone SVG.\n";

struct Options {
  std::string file;
  std::string cell;
  std::string dot;
  std::string svg;
};

// Empty on success, else the usage problem.
std::string parse_options(const std::vector<std::string>& args, Options& o) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--dot" || a == "--svg" || a == "--cell") {
      if (i + 1 == args.size()) return a + " needs a value";
      (a == "--dot" ? o.dot : a == "--svg" ? o.svg : o.cell) = args[++i];
    } else if (a.rfind("--", 0) == 0) {
      std::string problem = "unknown option " + a;
      if (const auto guess = did_you_mean(a, {"--dot", "--svg", "--cell", "--help"})) problem += " (did you mean " + *guess + "?)";
      return problem;
    } else if (o.file.empty()) {
      o.file = a;
    } else {
      return "more than one input file (" + o.file + ", " + a + ")";
    }
  }
  if (o.file.empty() == o.cell.empty()) return "give exactly one of FILE.json or --cell GENOTYPE";
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
    if (json_choice(value.at("format"), "format", formats) == 0) {
      const Arch arch = arch_from_json(value);
      return {arch_table(arch), arch_figure(arch)};
    }
    const auto space = space_from_json(value);
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
