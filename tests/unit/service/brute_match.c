/* SPDX-License-Identifier: MIT */
/* Reference matcher and random topic generator for the trie tests (brute_match.h). */
#include "tests/unit/service/brute_match.h"

#include <stdio.h>
#include <string.h>

/* Length of the level starting at s, which ends at '/' or at end. */
static size_t level_len(const char *s, const char *end)
{
    const char *p = s;
    while (p < end && *p != '/')
        p++;
    return (size_t)(p - s);
}

bool brute_matches(const char *f, size_t flen, const char *t, size_t tlen)
{
    const char *fe = f + flen, *te = t + tlen;

    if (flen > 0 && (f[0] == '+' || f[0] == '#') && tlen > 0 && t[0] == '$')
        return false;
    for (;;) {
        size_t fl = level_len(f, fe), tl = level_len(t, te);
        bool flast = f + fl == fe, tlast = t + tl == te;

        if (fl == 1 && f[0] == '#')
            return true;
        if (!(fl == 1 && f[0] == '+') && (fl != tl || memcmp(f, t, fl) != 0))
            return false;
        if (flast || tlast) {
            if (flast && tlast)
                return true;
            /* Topic exhausted, filter continues: only a final "/#" still matches. */
            return tlast && fe - (f + fl) == 2 && f[fl + 1] == '#';
        }
        f += fl + 1;
        t += tl + 1;
    }
}

uint32_t brute_rand(struct brute_rng *r, uint32_t bound)
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return (uint32_t)(r->s % bound);
}

size_t brute_random(struct brute_rng *r, bool wildcards, unsigned max_levels, char *out,
                    size_t outlen)
{
    static const char *const alpha[] = {"a", "b", "c", "$s", "$", "", "ab"};
    unsigned levels = 1 + brute_rand(r, max_levels);
    size_t n = 0;

    out[0] = '\0';
    for (unsigned i = 0; i < levels; i++) {
        const char *lv = alpha[brute_rand(r, sizeof(alpha) / sizeof(alpha[0]))];
        if (wildcards && brute_rand(r, 4) == 0)
            lv = "+";
        if (wildcards && i == levels - 1 && brute_rand(r, 4) == 0)
            lv = "#";
        n += (size_t)snprintf(out + n, outlen - n, "%s%s", i ? "/" : "", lv);
    }
    return n;
}
