#include "data/cifar_binary.h"

#include <algorithm>
#include <fstream>

#include "data/bad_file.h"
#include "data/file_io.h"
#include "kernels/common/check.h"

namespace autospace::data {

namespace fs = std::filesystem;

namespace {

std::vector<std::string> read_names(const fs::path& file, std::size_t count) {
  std::vector<std::string> names;
  std::ifstream in(file);
  for (std::string line; in && std::getline(in, line);) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) names.push_back(line);
  }
  if (names.size() != count) {
    names.clear();
    for (std::size_t k = 0; k < count; ++k) names.push_back(std::to_string(k));
  }
  return names;
}

}  // namespace

std::shared_ptr<CifarBinary> CifarBinary::open(const std::vector<fs::path>& files, CifarVariant variant) {
  if (files.empty()) AUTOSPACE_THROW("CIFAR: no batch files given");
  const std::size_t label_bytes = variant == CifarVariant::cifar10 ? 1 : 2;
  const std::size_t record = label_bytes + kImageBytes;
  const std::int64_t num_classes = variant == CifarVariant::cifar10 ? 10 : 100;
  std::shared_ptr<CifarBinary> ds(new CifarBinary());
  ds->files_ = files;
  std::vector<std::uint8_t> bytes;
  for (const fs::path& file : files) {
    try {
      read_file(file, bytes);
    } catch (const BadImage& e) {
      AUTOSPACE_THROW("CIFAR batch ", file.string(), ": ", e.what());
    }
    if (bytes.size() % record != 0)
      AUTOSPACE_THROW("CIFAR batch ", file.string(), ": ", bytes.size(), " bytes is not a whole number of ", record,
                      "-byte records (wrong variant?)");
    const std::size_t count = bytes.size() / record;
    ds->file_first_.push_back(ds->labels_.size());
    const std::size_t base = ds->pixels_.size();
    ds->pixels_.resize(base + count * kImageBytes);
    for (std::size_t r = 0; r < count; ++r) {
      const std::uint8_t* rec = bytes.data() + r * record;
      const std::int64_t label = rec[label_bytes - 1];
      if (label >= num_classes)
        AUTOSPACE_THROW("CIFAR batch ", file.string(), " record ", r, ": label ", label, " >= ", num_classes);
      ds->labels_.push_back(label);
      const std::uint8_t* planes = rec + label_bytes;
      std::uint8_t* hwc = ds->pixels_.data() + base + r * kImageBytes;
      for (int p = 0; p < kSide * kSide; ++p)
        for (int c = 0; c < 3; ++c) hwc[p * 3 + c] = planes[c * kSide * kSide + p];
    }
  }
  for (std::int64_t k = 0; k < num_classes; ++k) ds->classes_.push_back(std::to_string(k));
  return ds;
}

std::shared_ptr<CifarBinary> CifarBinary::open_dir(const fs::path& dir, bool train) {
  if (fs::exists(dir / "test_batch.bin")) {
    std::vector<fs::path> files;
    if (train) {
      for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
        const std::string name = e.path().filename().string();
        if (name.rfind("data_batch_", 0) == 0 && e.path().extension() == ".bin") files.push_back(e.path());
      }
      std::sort(files.begin(), files.end());
    } else {
      files.push_back(dir / "test_batch.bin");
    }
    auto ds = open(files, CifarVariant::cifar10);
    ds->classes_ = read_names(dir / "batches.meta.txt", 10);
    return ds;
  }
  if (fs::exists(dir / "test.bin")) {
    auto ds = open({dir / (train ? "train.bin" : "test.bin")}, CifarVariant::cifar100);
    ds->classes_ = read_names(dir / "fine_label_names.txt", 100);
    return ds;
  }
  AUTOSPACE_THROW(dir.string(), " holds neither CIFAR-10 (test_batch.bin) nor CIFAR-100 (test.bin) binary batches");
}

std::size_t CifarBinary::file_of(std::size_t i) const {
  return static_cast<std::size_t>(std::upper_bound(file_first_.begin(), file_first_.end(), i) - file_first_.begin()) - 1;
}

std::string CifarBinary::id(std::size_t i) const {
  const std::size_t f = file_of(i);
  return files_[f].filename().string() + "#" + std::to_string(i - file_first_[f]);
}

std::string CifarBinary::source(std::size_t i) const {
  const std::size_t f = file_of(i);
  return files_[f].string() + "#" + std::to_string(i - file_first_[f]);
}

void CifarBinary::load(std::size_t i, SampleData& out) const {
  out.bytes.clear();
  out.pixels = {pixels_.data() + i * kImageBytes, kSide, kSide, kSide * 3, 0, 0};
}

}  // namespace autospace::data
