/* SPDX-License-Identifier: MIT */
/* POSIX clocks: monotonic and wall milliseconds, and local-time formatting. */
#include "posix/posix_internal.h"

#include <time.h>

uint64_t plat_time_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int64_t plat_time_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + (int64_t)ts.tv_nsec / 1000000;
}

size_t plat_time_format(char *out, size_t outlen, const char *fmt, int64_t epoch_s)
{
    if (outlen == 0)
        return 0;
    time_t t = (time_t)epoch_s;
    struct tm tm;
    /* localtime_r, unlike localtime, is safe from any thread. */
    size_t n = localtime_r(&t, &tm) ? strftime(out, outlen, fmt, &tm) : 0;
    if (n == 0)
        out[0] = '\0';
    return n;
}
