#include "engine/core/device.h"

#include <omp.h>

#include <cstdio>
#include <fstream>
#include <mutex>

#include "kernels/common/check.h"
#ifdef AUTOSPACE_WITH_CUDA
#include "kernels/cuda/runtime.h"
#endif

namespace autospace {

std::string Device::str() const { return is_cpu() ? "cpu" : "cuda:" + std::to_string(index); }

int cuda_device_count() {
  static std::once_flag once;
  static int count = 0;
  std::call_once(once, [] {
    std::string why;
#ifdef AUTOSPACE_WITH_CUDA
    count = kernels::cuda::device_count(&why);
#else
    why = "this build has no CUDA backend (configure with AUTOSPACE_CUDA=ON)";
#endif
    if (count == 0) std::fprintf(stderr, "autospace: no usable GPU (%s); running on the CPU\n", why.c_str());
  });
  return count;
}

std::string device_name(Device device) {
  if (device.is_cuda()) {
#ifdef AUTOSPACE_WITH_CUDA
    kernels::cuda::set_device(device.index);
    return kernels::cuda::device_info().name;
#else
    AUTOSPACE_THROW("device ", device.str(), ": this build has no CUDA backend");
#endif
  }
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    if (line.rfind("model name", 0) != 0) continue;
    const std::size_t colon = line.find(':');
    if (colon != std::string::npos && colon + 2 <= line.size()) return line.substr(colon + 2);
  }
  return "unknown CPU";
}

Device parse_device(const std::string& text) {
  if (text == "cpu") return Device::cpu();
  if (text == "auto") return cuda_device_count() > 0 ? Device::cuda(0) : Device::cpu();
  if (text.rfind("cuda", 0) == 0) {
    int index = 0;
    if (text.size() > 4) {
      AUTOSPACE_CHECK(text[4] == ':', "device \"", text, "\": expected cpu, cuda, cuda:N or auto");
      try {
        index = std::stoi(text.substr(5));
      } catch (const std::exception&) {
        AUTOSPACE_THROW("device \"", text, "\": bad GPU index");
      }
    }
    const int n = cuda_device_count();
    if (index < 0 || index >= n)
      AUTOSPACE_THROW("device \"", text, "\" requested but only ", n, " usable GPU(s) are present");
    return Device::cuda(index);
  }
  AUTOSPACE_THROW("device \"", text, "\": expected cpu, cuda, cuda:N or auto");
}

void set_num_threads(int n) {
  AUTOSPACE_CHECK(n >= 1, "thread count must be >= 1, got ", n);
  omp_set_num_threads(n);
}

int num_threads() { return omp_get_max_threads(); }

}  // namespace autospace
