/* SPDX-License-Identifier: MIT */
/* The fake clock: monotonic and wall time move only when a test moves them. */
#include "tests/fakes/fake_internal.h"

#include <stdio.h>
#include <time.h>

static _Atomic uint64_t g_now_ms = FAKE_TIME_START_MS;

uint64_t plat_time_mono_ms(void)
{
    return atomic_load(&g_now_ms);
}

int64_t plat_time_wall_ms(void)
{
    return FAKE_WALL_EPOCH_MS + (int64_t)(atomic_load(&g_now_ms) - FAKE_TIME_START_MS);
}

/* Always UTC, so that tests do not depend on the machine's time zone. */
size_t plat_time_format(char *out, size_t outlen, const char *fmt, int64_t epoch_s)
{
    if (outlen == 0)
        return 0;
    time_t t = (time_t)epoch_s;
    struct tm tm;
    size_t n = gmtime_r(&t, &tm) ? strftime(out, outlen, fmt, &tm) : 0;
    if (n == 0)
        out[0] = '\0';
    return n;
}

void fake_time_advance(uint64_t ms)
{
    atomic_fetch_add(&g_now_ms, ms);
}

void fake_time_set(uint64_t mono_ms)
{
    ASSERT(mono_ms >= atomic_load(&g_now_ms));
    atomic_store(&g_now_ms, mono_ms);
}

void fake__time_reset(void)
{
    atomic_store(&g_now_ms, FAKE_TIME_START_MS);
}
