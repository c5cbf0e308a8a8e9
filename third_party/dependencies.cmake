# How each external dependency is found. All come from Debian packages or the CUDA
# toolkit; nothing is vendored. See third_party/README.md for why each one is used.
find_package(OpenMP REQUIRED)
find_package(dnnl REQUIRED)               # libdnnl-dev (oneDNN 2.x)
find_package(nlohmann_json 3.10 REQUIRED) # nlohmann-json3-dev
find_package(PkgConfig)
if(PKG_CONFIG_FOUND)
  pkg_check_modules(TURBOJPEG REQUIRED IMPORTED_TARGET libturbojpeg)  # libturbojpeg0-dev
else()
  # Machines without pkg-config (the bare GPU image tools/gpu-check.sh builds on): the
  # same target from a plain search.
  find_path(AUTOSPACE_TURBOJPEG_INCLUDE_DIR turbojpeg.h)
  find_library(AUTOSPACE_TURBOJPEG_LIBRARY turbojpeg)
  if(NOT AUTOSPACE_TURBOJPEG_INCLUDE_DIR OR NOT AUTOSPACE_TURBOJPEG_LIBRARY)
    message(FATAL_ERROR "libturbojpeg not found (no pkg-config; set AUTOSPACE_TURBOJPEG_INCLUDE_DIR and _LIBRARY)")
  endif()
  add_library(PkgConfig::TURBOJPEG UNKNOWN IMPORTED)
  set_target_properties(PkgConfig::TURBOJPEG PROPERTIES IMPORTED_LOCATION ${AUTOSPACE_TURBOJPEG_LIBRARY}
                        INTERFACE_INCLUDE_DIRECTORIES ${AUTOSPACE_TURBOJPEG_INCLUDE_DIR})
endif()
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
    enable_language(CUDA)
    # The CUDA sources share kernels/common headers written in C++20, which nvcc 13
    # accepts; CMake 3.25 only lacks the flag for it (later versions know it).
    if(NOT DEFINED CMAKE_CUDA20_STANDARD_COMPILE_OPTION)
      set(CMAKE_CUDA20_STANDARD_COMPILE_OPTION "-std=c++20")
      set(CMAKE_CUDA20_EXTENSION_COMPILE_OPTION "-std=c++20")
    endif()
    set(CMAKE_CUDA_STANDARD 20)
    set(CMAKE_CUDA_STANDARD_REQUIRED ON)
    find_package(CUDAToolkit REQUIRED)
    set(AUTOSPACE_HAVE_CUDA ON)
    # cuBLAS ships with the toolkit; on machines where it (or cuDNN) exists only inside
    # PyTorch's pip packages, AUTOSPACE_CUDA_LIBRARY_ROOTS lists those folders (each with
    # include/ and lib/), as tools/gpu-check.sh does.
    set(AUTOSPACE_CUDA_LIBRARY_ROOTS "" CACHE STRING "Extra folders holding cuBLAS/cuDNN headers and libraries")
    if(NOT TARGET CUDA::cublas)
      find_path(AUTOSPACE_CUBLAS_INCLUDE_DIR cublas_v2.h HINTS ${AUTOSPACE_CUDA_LIBRARY_ROOTS} PATH_SUFFIXES include)
      find_library(AUTOSPACE_CUBLAS_LIBRARY NAMES cublas libcublas.so.13
                   HINTS ${AUTOSPACE_CUDA_LIBRARY_ROOTS} PATH_SUFFIXES lib lib64)
      if(NOT AUTOSPACE_CUBLAS_INCLUDE_DIR OR NOT AUTOSPACE_CUBLAS_LIBRARY)
        message(FATAL_ERROR "cuBLAS not found in the CUDA toolkit nor in AUTOSPACE_CUDA_LIBRARY_ROOTS")
      endif()
      add_library(CUDA::cublas SHARED IMPORTED)
      set_target_properties(CUDA::cublas PROPERTIES IMPORTED_LOCATION ${AUTOSPACE_CUBLAS_LIBRARY}
                            INTERFACE_INCLUDE_DIRECTORIES ${AUTOSPACE_CUBLAS_INCLUDE_DIR})
    endif()
    # cuDNN is optional: the baseline the hand-written convolutions are measured against.
    set(AUTOSPACE_CUDNN AUTO CACHE STRING "Build the cuDNN convolution backend: AUTO (when found), OFF")
    set_property(CACHE AUTOSPACE_CUDNN PROPERTY STRINGS AUTO OFF)
    set(AUTOSPACE_HAVE_CUDNN OFF)
    if(NOT AUTOSPACE_CUDNN STREQUAL "OFF")
      find_path(AUTOSPACE_CUDNN_INCLUDE_DIR cudnn.h
                HINTS ${CUDAToolkit_INCLUDE_DIRS} ${AUTOSPACE_CUDA_LIBRARY_ROOTS} PATH_SUFFIXES include)
      find_library(AUTOSPACE_CUDNN_LIBRARY NAMES cudnn libcudnn.so.9
                   HINTS ${CUDAToolkit_LIBRARY_DIR} ${AUTOSPACE_CUDA_LIBRARY_ROOTS} PATH_SUFFIXES lib lib64)
      if(AUTOSPACE_CUDNN_INCLUDE_DIR AND AUTOSPACE_CUDNN_LIBRARY)
        add_library(autospace::cudnn SHARED IMPORTED)
        set_target_properties(autospace::cudnn PROPERTIES IMPORTED_LOCATION ${AUTOSPACE_CUDNN_LIBRARY}
                              INTERFACE_INCLUDE_DIRECTORIES ${AUTOSPACE_CUDNN_INCLUDE_DIR})
        set(AUTOSPACE_HAVE_CUDNN ON)
      endif()
    endif()
    message(STATUS "AutoSpace cuDNN backend: ${AUTOSPACE_HAVE_CUDNN}")
    # NCCL: the GPU collectives (kernels/cuda/nccl_collectives.cu). The toolkit ships it
    # here (include/nccl.h, lib/libnccl.so.2); PyTorch's nvidia-nccl-cu13 package holds it
    # on the GPU machines (AUTOSPACE_CUDA_LIBRARY_ROOTS, found by tools/gpu-check.sh).
    set(AUTOSPACE_NCCL AUTO CACHE STRING "Build the NCCL collectives: AUTO (when found), ON, OFF")
    set_property(CACHE AUTOSPACE_NCCL PROPERTY STRINGS AUTO ON OFF)
    set(AUTOSPACE_HAVE_NCCL OFF)
    if(NOT AUTOSPACE_NCCL STREQUAL "OFF")
      find_path(AUTOSPACE_NCCL_INCLUDE_DIR nccl.h
                HINTS ${CUDAToolkit_INCLUDE_DIRS} ${AUTOSPACE_CUDA_LIBRARY_ROOTS} PATH_SUFFIXES include)
      find_library(AUTOSPACE_NCCL_LIBRARY NAMES nccl libnccl.so.2
                   HINTS ${CUDAToolkit_LIBRARY_DIR} ${AUTOSPACE_CUDA_LIBRARY_ROOTS} PATH_SUFFIXES lib lib64)
      if(AUTOSPACE_NCCL_INCLUDE_DIR AND AUTOSPACE_NCCL_LIBRARY)
        add_library(autospace::nccl SHARED IMPORTED)
        set_target_properties(autospace::nccl PROPERTIES IMPORTED_LOCATION ${AUTOSPACE_NCCL_LIBRARY}
                              INTERFACE_INCLUDE_DIRECTORIES ${AUTOSPACE_NCCL_INCLUDE_DIR})
        set(AUTOSPACE_HAVE_NCCL ON)
      elseif(AUTOSPACE_NCCL STREQUAL "ON")
        message(FATAL_ERROR "AUTOSPACE_NCCL=ON but nccl.h/libnccl were not found in the CUDA toolkit nor in "
                            "AUTOSPACE_CUDA_LIBRARY_ROOTS")
      endif()
    endif()
    message(STATUS "AutoSpace NCCL collectives: ${AUTOSPACE_HAVE_NCCL}")
  elseif(AUTOSPACE_CUDA STREQUAL "ON")
    message(FATAL_ERROR "AUTOSPACE_CUDA=ON but no CUDA compiler was found (set CMAKE_CUDA_COMPILER)")
  endif()
endif()
message(STATUS "AutoSpace CUDA backend: ${AUTOSPACE_HAVE_CUDA}")

# Open MPI: optional unless AUTOSPACE_MPI=ON. It launches one process per GPU/node and
# carries the CPU collectives (engine/dist/mpi_communicator.cpp); without it the engine
# builds with the single-process communicator only. Only the C API is used, so the
# deprecated C++ bindings are kept out of every translation unit.
set(AUTOSPACE_HAVE_MPI OFF)
if(NOT AUTOSPACE_MPI STREQUAL "OFF")
  find_package(MPI COMPONENTS CXX)
  if(MPI_CXX_FOUND)
    set(AUTOSPACE_HAVE_MPI ON)
    find_program(AUTOSPACE_MPIEXEC NAMES mpirun mpiexec HINTS ${MPI_CXX_COMPILER_BINDIR})
    # Launcher options differ between implementations (tests use Open MPI's when present).
    set(AUTOSPACE_MPI_IS_OPENMPI OFF)
    if(AUTOSPACE_MPIEXEC)
      execute_process(COMMAND ${AUTOSPACE_MPIEXEC} --version OUTPUT_VARIABLE mpiexec_version ERROR_QUIET)
      if(mpiexec_version MATCHES "Open MPI|OpenRTE")
        set(AUTOSPACE_MPI_IS_OPENMPI ON)
      endif()
    endif()
  elseif(AUTOSPACE_MPI STREQUAL "ON")
    message(FATAL_ERROR "AUTOSPACE_MPI=ON but MPI was not found (apt-get install libopenmpi-dev openmpi-bin)")
  endif()
endif()
message(STATUS "AutoSpace MPI backend: ${AUTOSPACE_HAVE_MPI}")
