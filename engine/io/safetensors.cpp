#include "engine/io/safetensors.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "engine/core/hash.h"
#include "engine/io/atomic_file.h"
#include "kernels/common/check.h"

namespace autospace::io {

namespace {
// Refuse absurd headers before allocating for them (the format's own reference limit is 100 MB).
constexpr std::uint64_t kMaxHeaderBytes = 100u << 20;

// Checks the tensors against the checksums the writer stored, when there are any.
void verify_checksums(SafetensorsContents& contents, const std::string& where) {
  const auto stored = contents.metadata.find(kChecksumsKey);
  if (stored == contents.metadata.end()) return;  // written by another tool
  const nlohmann::json sums = nlohmann::json::parse(stored->second, nullptr, false);
  if (!sums.is_object()) AUTOSPACE_THROW(where, ": the metadata's ", kChecksumsKey, " is not a JSON object (corrupt file?)");
  for (const auto& [name, t] : contents.tensors) {
    if (!sums.contains(name) || !sums[name].is_string())
      AUTOSPACE_THROW(where, ": tensor \"", name, "\" has no checksum (corrupt file?)");
    if (sums[name].get<std::string>() != fnv1a64_hex({static_cast<const char*>(t.raw_data()), t.nbytes()}))
      AUTOSPACE_THROW(where, ": tensor \"", name, "\": checksum mismatch: its bytes changed after the file was "
                      "written (a corrupt file; use an intact copy or an earlier checkpoint)");
  }
  contents.metadata.erase(stored);
  contents.checksummed = true;
}

}  // namespace

const Tensor& SafetensorsContents::at(const std::string& name) const {
  for (const auto& [n, t] : tensors)
    if (n == name) return t;
  AUTOSPACE_THROW(source.string(), ": no tensor named \"", name, "\"");
}

std::string encode_safetensors(const NamedTensors& tensors, const std::map<std::string, std::string>& metadata) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  std::set<std::string> seen;
  std::vector<Tensor> host;
  nlohmann::ordered_json checksums = nlohmann::ordered_json::object();
  for (const auto& [name, t] : tensors) {
    AUTOSPACE_CHECK(!name.empty() && name != "__metadata__", "safetensors: invalid tensor name \"", name, "\"");
    AUTOSPACE_CHECK(seen.insert(name).second, "safetensors: duplicate tensor name \"", name, "\"");
    host.push_back(t.to(Device::cpu()));
    checksums[name] = fnv1a64_hex({static_cast<const char*>(host.back().raw_data()), host.back().nbytes()});
  }
  std::map<std::string, std::string> all_metadata = metadata;
  all_metadata[kChecksumsKey] = checksums.dump();
  header["__metadata__"] = all_metadata;
  std::uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    const std::uint64_t bytes = t.nbytes();
    header[name] = {{"dtype", safetensors_dtype(t.dtype())}, {"shape", t.shape()}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string json = header.dump();
  // Pad the header with spaces so the data section starts 8-byte aligned.
  while ((8 + json.size()) % 8) json.push_back(' ');
  std::string out(8, '\0');
  const std::uint64_t n = json.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  out += json;
  out.reserve(out.size() + offset);
  for (const Tensor& t : host) out.append(static_cast<const char*>(t.raw_data()), t.nbytes());
  return out;
}

void write_safetensors(const std::filesystem::path& path, const NamedTensors& tensors,
                       const std::map<std::string, std::string>& metadata) {
  write_file_atomically(path, encode_safetensors(tensors, metadata));
}

SafetensorsContents decode_safetensors(const std::string& bytes, const std::filesystem::path& source) {
  const std::string where = source.string();
  if (bytes.size() < 8) AUTOSPACE_THROW(where, ": not a safetensors file (", bytes.size(), " bytes, too short for the header length)");
  std::uint64_t header_len = 0;
  for (int i = 0; i < 8; ++i) header_len |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[i])) << (8 * i);
  if (header_len > kMaxHeaderBytes) AUTOSPACE_THROW(where, ": header length ", header_len, " is implausible (corrupt file?)");
  if (8 + header_len > bytes.size())
    AUTOSPACE_THROW(where, ": truncated: header says ", header_len, " bytes but the file has ", bytes.size() - 8, " after the length");
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<std::ptrdiff_t>(header_len));
  } catch (const nlohmann::json::exception& e) {
    AUTOSPACE_THROW(where, ": header is not valid JSON: ", e.what());
  }
  if (!header.is_object()) AUTOSPACE_THROW(where, ": header is not a JSON object");
  const std::uint64_t data_size = bytes.size() - 8 - header_len;
  const char* data = bytes.data() + 8 + header_len;

  SafetensorsContents out;
  out.source = source;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& name = it.key();
    if (name == "__metadata__") {
      if (!it->is_object()) AUTOSPACE_THROW(where, ": __metadata__ is not an object");
      for (auto m = it->begin(); m != it->end(); ++m) {
        if (!m->is_string()) AUTOSPACE_THROW(where, ": __metadata__.", m.key(), " is not a string");
        out.metadata[m.key()] = m->get<std::string>();
      }
      continue;
    }
    const auto& entry = *it;
    if (!entry.is_object() || !entry.contains("dtype") || !entry.contains("shape") || !entry.contains("data_offsets"))
      AUTOSPACE_THROW(where, ": tensor \"", name, "\" needs dtype, shape and data_offsets");
    if (!entry["dtype"].is_string()) AUTOSPACE_THROW(where, ": tensor \"", name, "\": dtype is not a string");
    DType dtype;
    try {
      dtype = dtype_from_safetensors(entry["dtype"].get<std::string>());
    } catch (const Error& e) {
      AUTOSPACE_THROW(where, ": tensor \"", name, "\": ", e.what());
    }
    Shape shape;
    if (!entry["shape"].is_array()) AUTOSPACE_THROW(where, ": tensor \"", name, "\": shape is not an array");
    for (const auto& d : entry["shape"]) {
      if (!d.is_number_unsigned()) AUTOSPACE_THROW(where, ": tensor \"", name, "\": shape has a non-integer or negative entry");
      shape.push_back(d.get<std::int64_t>());
    }
    const auto& offs = entry["data_offsets"];
    if (!offs.is_array() || offs.size() != 2 || !offs[0].is_number_unsigned() || !offs[1].is_number_unsigned())
      AUTOSPACE_THROW(where, ": tensor \"", name, "\": data_offsets must be two non-negative integers");
    const std::uint64_t begin = offs[0].get<std::uint64_t>(), end = offs[1].get<std::uint64_t>();
    if (begin > end || end > data_size)
      AUTOSPACE_THROW(where, ": tensor \"", name, "\": data_offsets [", begin, ", ", end, ") outside the ", data_size,
                      "-byte data section (truncated file?)");
    const std::uint64_t expected = static_cast<std::uint64_t>(shape_numel(shape)) * dtype_size(dtype);
    if (end - begin != expected)
      AUTOSPACE_THROW(where, ": tensor \"", name, "\": ", end - begin, " bytes for shape ", shape_str(shape), " of ",
                      dtype_name(dtype), " (expected ", expected, ")");
    ranges.emplace_back(begin, end);
    Tensor t = Tensor::empty(shape, dtype);
    if (expected) std::memcpy(t.raw_data(), data + begin, expected);
    t.set_name(name);
    out.tensors.emplace_back(name, t);
  }
  std::sort(ranges.begin(), ranges.end());
  for (std::size_t i = 1; i < ranges.size(); ++i)
    if (ranges[i].first < ranges[i - 1].second) AUTOSPACE_THROW(where, ": tensors overlap in the data section");
  verify_checksums(out, where);
  return out;
}

SafetensorsContents read_safetensors(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) AUTOSPACE_THROW(path.string(), ": cannot open for reading: ", std::strerror(errno));
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) AUTOSPACE_THROW(path.string(), ": read error");
  return decode_safetensors(bytes, path);
}

}  // namespace autospace::io
