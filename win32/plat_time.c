/* SPDX-License-Identifier: MIT */
/* Windows clocks: monotonic (QueryPerformanceCounter) and wall milliseconds, and
 * local-time formatting that tolerates the C99 conversions msvcrt's strftime lacks. */
#include "win32/win32_internal.h"

#include <string.h>
#include <time.h>

uint64_t plat_time_mono_ms(void)
{
    static LARGE_INTEGER freq; /* constant after boot; a benign race to fill it */
    if (freq.QuadPart == 0)
        QueryPerformanceFrequency(&freq);
    LARGE_INTEGER now;
    QueryPerformanceCounter(&now);
    uint64_t c = (uint64_t)now.QuadPart, f = (uint64_t)freq.QuadPart;
    return c / f * 1000u + c % f * 1000u / f;
}

int64_t plat_time_wall_ms(void)
{
    FILETIME ft;
    GetSystemTimePreciseAsFileTime(&ft);
    uint64_t t = ((uint64_t)ft.dwHighDateTime << 32) | ft.dwLowDateTime;
    /* 100 ns units since 1601-01-01; the Unix epoch is 11644473600 s later. */
    return (int64_t)(t / 10000u) - INT64_C(11644473600000);
}

/* Rewrite fmt for msvcrt: C99 shorthands become their C89 spelling, and conversions
 * msvcrt does not know (which would abort through its invalid-parameter handler) are
 * written literally. Returns false if out is too small. */
static bool portable_format(const char *fmt, char *out, size_t outlen)
{
    static const char known[] = "aAbBcdHIjmMpSUwWxXyYzZ%";
    size_t o = 0;
    for (const char *p = fmt; *p; p++) {
        const char *add = NULL;
        char one[3] = {p[0], 0, 0};
        if (*p == '%' && p[1]) {
            p++;
            const char *alias = *p == 'F'   ? "%Y-%m-%d"
                                : *p == 'T' ? "%H:%M:%S"
                                : *p == 'D' ? "%m/%d/%y"
                                : *p == 'R' ? "%H:%M"
                                : *p == 'e' ? "%d"
                                : *p == 's' ? NULL
                                            : NULL;
            one[0] = '%';
            one[1] = *p;
            add = alias ? alias : strchr(known, *p) ? one : one + 1;
        } else {
            add = one;
        }
        size_t n = strlen(add);
        if (o + n + 1 > outlen)
            return false;
        memcpy(out + o, add, n);
        o += n;
    }
    out[o] = '\0';
    return true;
}

size_t plat_time_format(char *out, size_t outlen, const char *fmt, int64_t epoch_s)
{
    if (outlen == 0)
        return 0;
    char safe[256];
    time_t t = (time_t)epoch_s;
    struct tm tm;
    size_t n = 0;
    if (portable_format(fmt, safe, sizeof safe) && localtime_s(&tm, &t) == 0)
        n = strftime(out, outlen, safe, &tm);
    if (n == 0)
        out[0] = '\0';
    return n;
}
