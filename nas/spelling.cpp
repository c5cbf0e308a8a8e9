#include "nas/spelling.h"

#include <algorithm>

namespace autospace::nas {

int edit_distance(std::string_view a, std::string_view b) {
  const std::size_t n = a.size();
  const std::size_t m = b.size();
  std::vector<std::vector<int>> d(n + 1, std::vector<int>(m + 1));
  for (std::size_t i = 0; i <= n; ++i) d[i][0] = static_cast<int>(i);
  for (std::size_t j = 0; j <= m; ++j) d[0][j] = static_cast<int>(j);
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      const int cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[n][m];
}

std::optional<std::string> did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  // A third of the word may be wrong; beyond that a suggestion is more confusing than useful.
  const int limit = std::max(1, static_cast<int>(word.size()) / 3);
  // Ties go to the candidate closest in length: "relu7" is more likely "relu6" than "relu".
  auto length_gap = [&](const std::string& c) { return c.size() > word.size() ? c.size() - word.size() : word.size() - c.size(); };
  std::optional<std::string> best;
  int best_distance = limit + 1;
  for (const std::string& candidate : candidates) {
    const int distance = edit_distance(word, candidate);
    if (distance >= static_cast<int>(std::max(word.size(), candidate.size()))) continue;
    if (distance < best_distance || (distance == best_distance && length_gap(candidate) < length_gap(*best))) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

}  // namespace autospace::nas
