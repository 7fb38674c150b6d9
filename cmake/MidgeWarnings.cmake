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
