/* SPDX-License-Identifier: MIT */
/* MQTT topic name/filter validation and matching, byte-exact (see common/mqtt_topic.h). */
#include "common/mqtt_topic.h"

#include <string.h>

size_t mqtt_topic_level_len(const char *t, size_t len)
{
    const char *slash = memchr(t, '/', len);
    return slash ? (size_t)(slash - t) : len;
}

bool mqtt_topic_is_valid_name(const char *t, size_t len)
{
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++)
        if (t[i] == '+' || t[i] == '#')
            return false;
    return true;
}

/* True if the level l (n bytes) is acceptable in a filter: either free of wildcards or
 * exactly one wildcard character. Whether '#' is last is checked by the caller. */
static bool filter_level_ok(const char *l, size_t n)
{
    if (n == 1)
        return true;
    for (size_t i = 0; i < n; i++)
        if (l[i] == '+' || l[i] == '#')
            return false;
    return true;
}

bool mqtt_topic_is_valid_filter(const char *f, size_t len)
{
    if (len == 0)
        return false;
    size_t i = 0;
    for (;;) {
        size_t n = mqtt_topic_level_len(f + i, len - i);
        if (!filter_level_ok(f + i, n))
            return false;
        if (n == 1 && f[i] == '#' && i + 1 != len)
            return false; /* '#' must be the last level */
        i += n;
        if (i == len)
            return true;
        i++; /* skip '/'; a trailing '/' yields one more, empty, level */
    }
}

/* True if a filter level (fl bytes at f) matches a topic level (tl bytes at t). */
static bool level_matches(const char *f, size_t fl, const char *t, size_t tl)
{
    if (fl == 1 && f[0] == '+')
        return true; /* '+' matches any single level, including an empty one */
    return fl == tl && memcmp(f, t, fl) == 0;
}

bool mqtt_topic_matches(const char *f, size_t flen, const char *t, size_t tlen)
{
    /* MQTT-4.7.2-1: a leading wildcard never matches a "$..." topic. */
    if (tlen > 0 && t[0] == '$' && flen > 0 && (f[0] == '+' || f[0] == '#'))
        return false;
    size_t fi = 0, ti = 0;
    for (;;) {
        size_t fl = mqtt_topic_level_len(f + fi, flen - fi);
        if (fl == 1 && f[fi] == '#')
            return true; /* '#' is last (filter is valid) and matches the rest */
        size_t tl = mqtt_topic_level_len(t + ti, tlen - ti);
        if (!level_matches(f + fi, fl, t + ti, tl))
            return false;
        fi += fl;
        ti += tl;
        if (fi == flen || ti == tlen)
            break;
        fi++; /* both continue with a '/' */
        ti++;
    }
    if (fi == flen)
        return ti == tlen;
    /* The topic ended but the filter goes on: only "/#" may follow ("a/#" matches "a"). */
    return flen - fi == 2 && f[fi + 1] == '#';
}

bool mqtt_topic_split_shared(const char *f, size_t flen, const char **group, size_t *glen,
                             const char **inner, size_t *ilen)
{
    static const char prefix[] = "$share/";
    const size_t plen = sizeof prefix - 1;
    if (flen <= plen || memcmp(f, prefix, plen) != 0)
        return false;
    const char *g = f + plen;
    size_t rest = flen - plen;
    size_t gl = mqtt_topic_level_len(g, rest);
    if (gl == 0 || gl == rest || gl + 1 == rest)
        return false; /* empty group, or no '/', or nothing after it */
    if (memchr(g, '+', gl) || memchr(g, '#', gl))
        return false;
    *group = g;
    *glen = gl;
    *inner = g + gl + 1;
    *ilen = rest - gl - 1;
    return true;
}
