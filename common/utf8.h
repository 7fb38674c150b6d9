/* SPDX-License-Identifier: MIT */
/* UTF-8 validation with MQTT's extra rules (MQTT-1.5.3): well-formed, no overlong forms,
 * no surrogates, nothing above U+10FFFF, and no U+0000. Pure and thread-safe. */
#ifndef MIDGE_COMMON_UTF8_H
#define MIDGE_COMMON_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Return true if the len bytes at s (borrowed) are valid MQTT UTF-8. */
bool utf8_is_valid_mqtt(const uint8_t *s, size_t len);

#endif
