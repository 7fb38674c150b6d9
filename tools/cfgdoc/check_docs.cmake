# SPDX-License-Identifier: MIT
# ctest helper: regenerate the configuration reference into OUTPUT and fail if it differs
# from the committed REFERENCE (docs/configuration.md).
execute_process(COMMAND ${CFGDOC} ${OUTPUT} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "midge-cfgdoc failed (${rc})")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${OUTPUT} ${REFERENCE}
                RESULT_VARIABLE differ)
if(NOT differ EQUAL 0)
  message(FATAL_ERROR "docs/configuration.md is out of date: run "
                      "'midge-cfgdoc docs/configuration.md' and commit the result "
                      "(generated copy: ${OUTPUT})")
endif()
