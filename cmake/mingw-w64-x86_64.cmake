# SPDX-License-Identifier: MIT
# Cross-compiling midge for 64-bit Windows with Debian's mingw-w64 (posix thread model,
# so threads are winpthreads), linked statically: the programs need no MinGW runtime
# DLLs. OpenSSL comes from tools/build-openssl-mingw (MIDGE_OPENSSL_MINGW, default
# /var/cache/midge/openssl-mingw). ctest runs the .exe files under Wine.
#
#   tools/build-openssl-mingw
#   cmake -S . -B build-win -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64-x86_64.cmake
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(MINGW_TRIPLE x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${MINGW_TRIPLE}-gcc-posix)
set(CMAKE_RC_COMPILER ${MINGW_TRIPLE}-windres)
set(CMAKE_AR ${MINGW_TRIPLE}-ar CACHE FILEPATH "")
set(CMAKE_RANLIB ${MINGW_TRIPLE}-ranlib CACHE FILEPATH "")

set(MIDGE_OPENSSL_MINGW /var/cache/midge/openssl-mingw CACHE PATH
    "Prefix of the static OpenSSL built by tools/build-openssl-mingw")
set(CMAKE_FIND_ROOT_PATH /usr/${MINGW_TRIPLE} ${MIDGE_OPENSSL_MINGW})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
if(EXISTS ${MIDGE_OPENSSL_MINGW}/lib/libcrypto.a)
  set(OPENSSL_ROOT_DIR ${MIDGE_OPENSSL_MINGW} CACHE PATH "")
  set(OPENSSL_USE_STATIC_LIBS ON CACHE BOOL "")
endif()

# Static libgcc and winpthread: no libwinpthread-1.dll or libgcc_s to ship.
# C99 printf (%zu, %lld) from mingw instead of msvcrt's.
# gmtime_r/localtime_r for the portable test fakes.
set(CMAKE_C_FLAGS_INIT "-D__USE_MINGW_ANSI_STDIO=1 -D_POSIX_THREAD_SAFE_FUNCTIONS")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")

find_program(WINE_EXECUTABLE NAMES wine wine64)
if(WINE_EXECUTABLE)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${WINE_EXECUTABLE})
endif()
