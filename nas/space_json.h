#pragma once
// space.json: a search space (format "autospace.space/1"), docs/formats.md.
#include <filesystem>
#include <memory>

#include "nas/json_check.h"
#include "nas/space.h"

namespace autospace::nas {

inline constexpr const char* kSpaceFormat = "autospace.space/1";

// A backbone object; every key is optional and defaults to Backbone{}.
Backbone backbone_from_json(const Json& value, const std::string& path);
Json backbone_to_json(const Backbone& backbone);

CellChoices cell_choices_from_json(const Json& value, const std::string& path);
Json cell_choices_to_json(const CellChoices& choices);

// Strict, like arch.json; the "madds"/"params" of learned candidates must agree with the
// cost model when present.
std::unique_ptr<Space> space_from_json(const Json& value);
// Learned candidates are written with their MAdds and params.
Json space_to_json(const Space& space);

std::unique_ptr<Space> load_space(const std::filesystem::path& file);
void save_space(const std::filesystem::path& file, const Space& space);

}  // namespace autospace::nas
