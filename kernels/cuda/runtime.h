#pragma once
// Thin, checked wrappers over the CUDA runtime, callable from plain C++ translation units
// (no CUDA headers leak out). Every call checks its status and throws autospace::Error
// naming the call site and the CUDA error string.
#include <cstddef>
#include <string>

namespace autospace::kernels::cuda {

// Usable devices; 0 with the reason in *why when the driver or device is missing.
int device_count(std::string* why);
void set_device(int index);
void* malloc_device(std::size_t bytes);
void free_device(void* ptr);
void* malloc_pinned(std::size_t bytes);
void free_pinned(void* ptr);
void copy_host_to_device(void* dst, const void* src, std::size_t bytes);
void copy_device_to_host(void* dst, const void* src, std::size_t bytes);
void copy_device_to_device(void* dst, const void* src, std::size_t bytes);
void synchronize();

}  // namespace autospace::kernels::cuda
