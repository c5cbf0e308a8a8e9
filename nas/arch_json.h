#pragma once
// arch.json: a concrete network (format "autospace.arch/1"), docs/formats.md.
#include <filesystem>

#include "nas/arch.h"
#include "nas/json_check.h"

namespace autospace::nas {

inline constexpr const char* kArchFormat = "autospace.arch/1";

// Strict: unknown keys, wrong types, out-of-range values, inconsistent channels, illegal
// blocks and "madds"/"params" that disagree with the cost model are errors naming the
// JSON path.
Arch arch_from_json(const Json& value);
// Includes the MAdds and params of the cost model.
Json arch_to_json(const Arch& arch);

// As above; errors are prefixed with the file name.
Arch load_arch(const std::filesystem::path& file);
void save_arch(const std::filesystem::path& file, const Arch& arch);

}  // namespace autospace::nas
