// Run descriptions: the same text read as a pipeline (every section as `autospace run`
// checks it before its first phase) and as each binary's own description. Input files
// are taken as not written yet, so the fuzzer reads no file a description happens to name.
#include "apps/phases/evolve/evolve_settings.h"
#include "apps/phases/rankcheck/ranking_settings.h"
#include "apps/phases/search/search_settings.h"
#include "apps/phases/train/run_settings.h"
#include "apps/pipeline/pipeline.h"
#include "tests/fuzz/fuzz_target.h"

using namespace autospace;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  nas::Json description;
  try {
    description = nas::parse_json_text(fuzz::as_text(data, size), "fuzz.json");
  } catch (const Error&) {
    return 0;
  }
  fuzz::expect_clean_refusal([&] {
    const apps::PipelineSettings pipeline = apps::parse_pipeline_settings(description);
    for (const std::string& phase : pipeline.phases) {
      const nas::Json d = apps::phase_description(pipeline, phase);
      if (phase == "evolve") apps::parse_evolve_settings(d);
      else if (phase == "search") apps::parse_search_settings(d, apps::InputFile::pending);
      else apps::parse_run_settings(d, apps::InputFile::pending);
    }
  });
  fuzz::expect_clean_refusal([&] { apps::parse_evolve_settings(description); });
  fuzz::expect_clean_refusal([&] { apps::parse_search_settings(description, apps::InputFile::pending); });
  fuzz::expect_clean_refusal([&] { apps::parse_run_settings(description, apps::InputFile::pending); });
  fuzz::expect_clean_refusal([&] { apps::parse_ranking_settings(description); });
  return 0;
}
