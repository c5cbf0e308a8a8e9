// The ranking check of the paper's Table 6, scaled down (apps/common/ranking_check.h):
// do the DEA's learned scores order networks as their standalone accuracy does?
//   autospace-rankcheck RUN.json [--set key.path=value]...
#include <cstdio>

#include "apps/common/overrides.h"
#include "apps/common/ranking_check.h"

using namespace autospace;

int main(int argc, char** argv) {
  const std::string usage = "usage: autospace-rankcheck RUN.json [--set key.path=value]...";
  try {
    const apps::CommandLine cl = apps::parse_command_line(argc, argv, usage);
    if (!cl.flags.empty()) AUTOSPACE_THROW("unknown option ", cl.flags[0], "\n", usage);
    nas::Json description = nas::read_json_file(cl.config);
    for (const auto& o : cl.overrides) apps::apply_override(description, o);
    const nas::Json result = apps::run_ranking_check(apps::parse_ranking_settings(description));
    return result["reproduced"].get<int>() == static_cast<int>(result["initialisations"].get<std::size_t>()) ? 0 : 4;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "autospace-rankcheck: %s\n", e.what());
    return 1;
  }
}
