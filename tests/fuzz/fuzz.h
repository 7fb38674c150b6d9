/* SPDX-License-Identifier: MIT */
/* Contract between a fuzz target and fuzz_driver.c: the libFuzzer entry point plus the
 * seed inputs the driver mutates when it runs without libFuzzer. */
#ifndef MIDGE_TESTS_FUZZ_FUZZ_H
#define MIDGE_TESTS_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* libFuzzer entry point: must accept any bytes (data, size: borrowed) and return 0.
 * A detected bug aborts the process. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One seed input for the mutation smoke run. */
struct fuzz_seed {
    const char *bytes;
    size_t len;
};

/* Seeds supplied by the target (fuzz_seeds[0 .. fuzz_nseeds)). */
extern const struct fuzz_seed fuzz_seeds[];
extern const size_t fuzz_nseeds;

#endif
