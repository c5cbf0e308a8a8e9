#pragma once
#include <cstdint>
#include <string>

namespace autospace {

enum class DeviceKind : std::uint8_t { cpu, cuda };

struct Device {
  DeviceKind kind = DeviceKind::cpu;
  int index = 0;

  static Device cpu() { return {DeviceKind::cpu, 0}; }
  static Device cuda(int index = 0) { return {DeviceKind::cuda, index}; }
  bool is_cpu() const { return kind == DeviceKind::cpu; }
  bool is_cuda() const { return kind == DeviceKind::cuda; }
  std::string str() const;
  bool operator==(const Device&) const = default;
};

// Parses "cpu", "cuda", "cuda:1" and "auto" (the first GPU if one is usable, else the CPU).
Device parse_device(const std::string& text);

// Number of usable CUDA devices; 0 when the build has no CUDA backend or no driver/device
// is present. The first call that finds none prints the reason once to stderr.
int cuda_device_count();

// What the device is, for records that must say where something was measured: the CPU's
// model name (from /proc/cpuinfo; "unknown CPU" where there is none) or the GPU's name.
std::string device_name(Device device);

// Threads used by the CPU kernels (OpenMP and oneDNN). Defaults to all cores.
void set_num_threads(int n);
int num_threads();

}  // namespace autospace
