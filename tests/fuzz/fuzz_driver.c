/* SPDX-License-Identifier: MIT */
/* Stand-alone main() for a fuzz target when libFuzzer is not used: replays files given
 * on the command line, writes the target's seeds as a corpus, or runs a deterministic
 * pseudo-random mutation smoke (the ctest entry) so the target also runs under gcc+ASan.
 *
 *   fuzz_<x>_smoke [-n iterations] [-s seed]      mutation smoke (default 200000, seed 1)
 *   fuzz_<x>_smoke --write-corpus DIR             write the seeds as DIR/seed-NNN
 *   fuzz_<x>_smoke FILE...                        run each file once (crash reproduction) */
#include "tests/fuzz/fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_INPUT 1024

/* xorshift64*: small, fast, and the same sequence on every platform. */
static uint64_t rng_state;

static uint32_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545F4914F6CDD1Dull) >> 32);
}

static size_t rng_below(size_t n)
{
    return n ? rng() % n : 0;
}

/* Apply one random mutation to buf (len bytes, capacity MAX_INPUT); returns the new len. */
static size_t mutate(uint8_t *buf, size_t len)
{
    static const uint8_t interesting[] = {0x00, 0x01, 0x02, 0x7f, 0x80, 0xc0,
                                          0xff, '/',  '+',  '#',  '$'};
    size_t at = rng_below(len);
    switch (rng() % 8) {
    case 0: /* flip one bit */
        if (len)
            buf[at] ^= (uint8_t)(1u << (rng() % 8));
        return len;
    case 1: /* random byte */
        if (len)
            buf[at] = (uint8_t)rng();
        return len;
    case 2: /* interesting byte */
        if (len)
            buf[at] = interesting[rng_below(sizeof interesting)];
        return len;
    case 3: /* nudge a length-like byte */
        if (len)
            buf[at] = (uint8_t)(buf[at] + (rng() % 2 ? 1 : 0xFF));
        return len;
    case 4: /* insert a byte */
        if (len >= MAX_INPUT)
            return len;
        memmove(buf + at + 1, buf + at, len - at);
        buf[at] = (uint8_t)rng();
        return len + 1;
    case 5: /* delete a byte */
        if (!len)
            return len;
        memmove(buf + at, buf + at + 1, len - at - 1);
        return len - 1;
    case 6: /* truncate */
        return at;
    default: { /* append another seed (packet streams) */
        const struct fuzz_seed *s = &fuzz_seeds[rng_below(fuzz_nseeds)];
        size_t n = s->len < MAX_INPUT - len ? s->len : MAX_INPUT - len;
        memcpy(buf + len, s->bytes, n);
        return len + n;
    }
    }
}

/* Build one input into buf: mostly mutated seeds, sometimes pure noise. */
static size_t make_input(uint8_t *buf)
{
    if (rng() % 8 == 0) {
        size_t len = rng_below(64);
        for (size_t i = 0; i < len; i++)
            buf[i] = (uint8_t)rng();
        return len;
    }
    const struct fuzz_seed *s = &fuzz_seeds[rng_below(fuzz_nseeds)];
    size_t len = s->len < MAX_INPUT ? s->len : MAX_INPUT;
    memcpy(buf, s->bytes, len);
    for (unsigned m = 1 + rng() % 4; m > 0; m--)
        len = mutate(buf, len);
    return len;
}

/* Run the target on an exact-size heap copy so ASan sees reads past the end. */
static void run_one(const uint8_t *data, size_t len)
{
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        abort();
    memcpy(copy, data, len);
    LLVMFuzzerTestOneInput(copy, len);
    free(copy);
}

static int run_smoke(unsigned long iterations, unsigned long seed)
{
    static uint8_t buf[MAX_INPUT];
    rng_state = 0x9E3779B97F4A7C15ull ^ seed;
    for (size_t i = 0; i < fuzz_nseeds; i++)
        run_one((const uint8_t *)fuzz_seeds[i].bytes, fuzz_seeds[i].len);
    for (unsigned long i = 0; i < iterations; i++)
        run_one(buf, make_input(buf));
    printf("fuzz smoke: %lu iterations, seed %lu: ok\n", iterations, seed);
    return 0;
}

static int write_corpus(const char *dir)
{
    for (size_t i = 0; i < fuzz_nseeds; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/seed-%03zu", dir, i);
        FILE *f = fopen(path, "wb");
        if (!f || fwrite(fuzz_seeds[i].bytes, 1, fuzz_seeds[i].len, f) != fuzz_seeds[i].len) {
            fprintf(stderr, "cannot write %s\n", path);
            return 1;
        }
        fclose(f);
    }
    return 0;
}

static int run_file(const char *path)
{
    static uint8_t buf[1 << 20];
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        return 1;
    }
    size_t len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    run_one(buf, len);
    printf("%s: ok\n", path);
    return 0;
}

int main(int argc, char **argv)
{
    unsigned long iterations = 200000, seed = 1;
    int i = 1;
    if (argc == 3 && strcmp(argv[1], "--write-corpus") == 0)
        return write_corpus(argv[2]);
    for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
        if (strcmp(argv[i], "-n") == 0)
            iterations = strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "-s") == 0)
            seed = strtoul(argv[i + 1], NULL, 10);
        else
            break;
    }
    if (i >= argc)
        return run_smoke(iterations, seed);
    int rc = 0;
    for (; i < argc; i++)
        rc |= run_file(argv[i]);
    return rc;
}
