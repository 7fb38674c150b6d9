/* SPDX-License-Identifier: MIT */
/* Live-allocation counter for unit tests: the test binary is linked with
 * -Wl,--wrap=malloc,... so every malloc/calloc/realloc/free made by the code under test
 * passes through here, which lets a test prove that pruning returned every block. */
#ifndef MIDGE_TESTS_ALLOC_COUNT_H
#define MIDGE_TESTS_ALLOC_COUNT_H

#include <stddef.h>

/* Number of heap blocks currently allocated through the wrapped allocators. */
long alloc_count_live(void);

#endif
