# How each external dependency is found. All come from Debian packages or the CUDA
# toolkit; nothing is vendored. See third_party/README.md for why each one is used.
find_package(OpenMP REQUIRED)
find_package(dnnl REQUIRED)               # libdnnl-dev (oneDNN 2.x)
find_package(nlohmann_json 3.10 REQUIRED) # nlohmann-json3-dev
find_package(PkgConfig REQUIRED)
pkg_check_modules(TURBOJPEG REQUIRED IMPORTED_TARGET libturbojpeg)  # libturbojpeg0-dev
find_package(JPEG REQUIRED)               # libjpeg-dev (libjpeg-turbo's libjpeg API: scaled/cropped decode)
find_package(Threads REQUIRED)
if(AUTOSPACE_BUILD_TESTS)
  find_package(Catch2 2 REQUIRED)         # catch2 (v2)
endif()
if(AUTOSPACE_BUILD_BENCH)
  find_package(benchmark REQUIRED)        # libbenchmark-dev
endif()

# CUDA toolkit: optional unless AUTOSPACE_CUDA=ON. Debian-style installs keep nvcc
# outside PATH, so look in the usual toolkit location too.
set(AUTOSPACE_HAVE_CUDA OFF)
if(NOT AUTOSPACE_CUDA STREQUAL "OFF")
  if(NOT CMAKE_CUDA_COMPILER AND EXISTS /usr/local/cuda/bin/nvcc)
    set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
  endif()
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      set(CMAKE_CUDA_ARCHITECTURES 90)
    endif()
    # CMake 3.25 does not know that nvcc 13 accepts C++20; the CUDA sources need only C++17.
    set(CMAKE_CUDA_STANDARD 17)
    set(CMAKE_CUDA_STANDARD_REQUIRED ON)
    enable_language(CUDA)
    find_package(CUDAToolkit REQUIRED)
    set(AUTOSPACE_HAVE_CUDA ON)
  elseif(AUTOSPACE_CUDA STREQUAL "ON")
    message(FATAL_ERROR "AUTOSPACE_CUDA=ON but no CUDA compiler was found (set CMAKE_CUDA_COMPILER)")
  endif()
endif()
message(STATUS "AutoSpace CUDA backend: ${AUTOSPACE_HAVE_CUDA}")
