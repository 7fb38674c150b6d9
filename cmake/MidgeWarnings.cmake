# SPDX-License-Identifier: MIT
# Compiler warnings and sanitizers shared by every target.
add_compile_options(-Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
                    -Wconversion -Wno-sign-conversion -fno-common)
add_compile_definitions(_GNU_SOURCE)
if(MIDGE_WERROR)
  add_compile_options(-Werror)
endif()
if(MIDGE_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
include_directories(${PROJECT_SOURCE_DIR})
if(MINGW)
  # mingw GCC checks format(printf) attributes against msvcrt's printf, which lacks %zu
  # and %lld; the runtime is mingw's C99 printf (__USE_MINGW_ANSI_STDIO, see
  # cmake/mingw-w64-x86_64.cmake), and the Linux build checks the same formats.
  add_compile_options(-Wno-format)
endif()
