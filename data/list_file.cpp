#include "data/list_file.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>

#include "kernels/common/check.h"

namespace autospace::data {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

}  // namespace

std::vector<FileSample> parse_list(std::istream& in, const std::string& name) {
  std::vector<FileSample> samples;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    std::size_t end = line.size();
    while (end > 0 && is_space(line[end - 1])) --end;
    std::size_t begin = 0;
    while (begin < end && is_space(line[begin])) ++begin;
    if (begin == end || line[begin] == '#') continue;
    std::size_t split = end;
    while (split > begin && !is_space(line[split - 1])) --split;
    std::size_t path_end = split;
    while (path_end > begin && is_space(line[path_end - 1])) --path_end;
    if (path_end == begin) AUTOSPACE_THROW(name, ":", number, ": expected \"path label\", got \"", line, "\"");
    const std::string label_text = line.substr(split, end - split);
    errno = 0;
    char* stop = nullptr;
    const long long label = std::strtoll(label_text.c_str(), &stop, 10);
    if (errno != 0 || stop != label_text.c_str() + label_text.size() || label < 0)
      AUTOSPACE_THROW(name, ":", number, ": label \"", label_text, "\" is not an integer >= 0");
    samples.push_back({line.substr(begin, path_end - begin), label});
  }
  return samples;
}

std::shared_ptr<FileDataset> read_list_file(const std::filesystem::path& list, const std::filesystem::path& base) {
  std::ifstream in(list);
  if (!in) AUTOSPACE_THROW("cannot open list file ", list.string());
  std::vector<FileSample> samples = parse_list(in, list.string());
  if (samples.empty()) AUTOSPACE_THROW("list file ", list.string(), " has no entries");
  std::int64_t max_label = 0;
  for (const FileSample& s : samples) max_label = std::max(max_label, s.label);
  if (max_label >= (1 << 24)) AUTOSPACE_THROW("list file ", list.string(), ": label ", max_label, " is implausibly large");
  std::vector<std::string> classes;
  for (std::int64_t k = 0; k <= max_label; ++k) classes.push_back(std::to_string(k));
  const std::filesystem::path root = base.empty() ? std::filesystem::absolute(list).parent_path() : base;
  return std::make_shared<FileDataset>(root, std::move(classes), std::move(samples));
}

}  // namespace autospace::data
