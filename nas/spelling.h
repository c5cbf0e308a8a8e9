#pragma once
// Suggestions for misspelt names (JSON keys, enum values, op tokens).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace autospace::nas {

// Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of
// two adjacent characters each cost 1 (a swap is the most common typo).
int edit_distance(std::string_view a, std::string_view b);

// The candidate nearest to `word`, when it is close enough to be a plausible typo.
std::optional<std::string> did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace autospace::nas
