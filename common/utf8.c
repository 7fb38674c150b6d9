/* SPDX-License-Identifier: MIT */
/* MQTT UTF-8 validation (see common/utf8.h): an 8-byte ASCII fast path, then a
 * byte-by-byte check against the well-formed sequences of Unicode Table 3-7. */
#include "common/utf8.h"

#include <string.h>

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* True if the 8 bytes in v are all ASCII and none is zero. (v - ONES) & ~v sets a high
 * bit for every zero byte (and possibly for bytes above a zero, which is harmless here
 * because any set bit just sends us to the slow path). */
static bool word_is_plain_ascii(uint64_t v)
{
    return ((v | ((v - ONES) & ~v)) & HIGHS) == 0;
}

/* Length of the valid multi-byte sequence starting at s[0] (a lead byte >= 0x80), or 0
 * if the sequence is ill-formed, overlong, a surrogate, above U+10FFFF or truncated. */
static size_t multibyte_len(const uint8_t *s, size_t avail)
{
    uint8_t c = s[0];
    uint8_t lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
    size_t n;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0; /* overlong below U+0800 */
        else if (c == 0xED)
            hi = 0x9F; /* surrogates U+D800..U+DFFF */
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90; /* overlong below U+10000 */
        else if (c == 0xF4)
            hi = 0x8F; /* above U+10FFFF */
    } else {
        return 0; /* continuation byte, C0/C1 overlong leads, F5..FF */
    }
    if (avail < n || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return n;
}

bool utf8_is_valid_mqtt(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        if (len - i >= 8) {
            uint64_t v;
            memcpy(&v, s + i, 8);
            if (word_is_plain_ascii(v)) {
                i += 8;
                continue;
            }
        }
        uint8_t c = s[i];
        if (c == 0)
            return false; /* U+0000 is forbidden (MQTT-1.5.3-2) */
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n = multibyte_len(s + i, len - i);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}
