/* SPDX-License-Identifier: MIT */
/* Test helpers for the topic tries: an obviously-correct reference matcher and a
 * deterministic generator of random topics and filters over a small level alphabet. */
#ifndef MIDGE_TESTS_BRUTE_MATCH_H
#define MIDGE_TESTS_BRUTE_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Reference semantics of MQTT filter matching, written for clarity, not speed: split
 * both strings into levels and compare them one by one. '#' matches the rest including
 * nothing ("a/#" matches "a"); '+' matches exactly one level, possibly empty; filters
 * starting with a wildcard never match topics starting with '$'. */
bool brute_matches(const char *f, size_t flen, const char *t, size_t tlen);

/* xorshift64 state; seed it with a nonzero value. */
struct brute_rng {
    uint64_t s;
};
uint32_t brute_rand(struct brute_rng *r, uint32_t bound);

/* Write a random topic name (wildcards = false) or filter (true) of 1..max_levels
 * levels drawn from {"a","b","c","$s","$","" ,"ab"} into out (size outlen, NUL-
 * terminated); returns its length. */
size_t brute_random(struct brute_rng *r, bool wildcards, unsigned max_levels, char *out,
                    size_t outlen);

#endif
