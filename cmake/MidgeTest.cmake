# SPDX-License-Identifier: MIT
# add_unit_test(name SOURCES ... [LIBS ...] [LABELS ...] [TIMEOUT s]): one executable, one
# ctest entry with a timeout and labels (default label: unit).
set(MIDGE_WINEPREFIX ${CMAKE_BINARY_DIR}/wineprefix CACHE PATH "Wine prefix of the win tests")
function(add_unit_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  if(NOT T_LABELS)
    set(T_LABELS unit)
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 60)
  endif()
  add_executable(${name} ${T_SOURCES})
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  target_link_libraries(${name} PRIVATE ${T_LIBS})
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES TIMEOUT ${T_TIMEOUT} LABELS "${T_LABELS}")
  if(WIN32)
    # Cross build: ctest runs the .exe under Wine (CMAKE_CROSSCOMPILING_EMULATOR) in the
    # prefix that tests/win/run prepares.
    set_property(TEST ${name} APPEND PROPERTY LABELS win)
    set_property(TEST ${name} PROPERTY TIMEOUT 300) # Wine start-up on a loaded machine
    set_property(TEST ${name} PROPERTY ENVIRONMENT "WINEPREFIX=${MIDGE_WINEPREFIX}"
                 "WINEDEBUG=-all" "WINEDLLOVERRIDES=mscoree,mshtml=")
  endif()
endfunction()
