#pragma once
// Marks small helpers (shape arithmetic, Philox) that CPU and CUDA kernels share, so both
// backends compute indices and random numbers from one definition.
#if defined(__CUDACC__)
#define AUTOSPACE_HOST_DEVICE __host__ __device__
#else
#define AUTOSPACE_HOST_DEVICE
#endif
