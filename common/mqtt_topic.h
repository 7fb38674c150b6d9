/* SPDX-License-Identifier: MIT */
/* MQTT topic names and filters: validation and matching, byte-exact (topics are never
 * normalised: "a///b" is its own topic). Inputs are borrowed (pointer + length, not
 * necessarily NUL-terminated) and assumed to be valid UTF-8 already (the codec checks).
 * Pure and thread-safe. */
#ifndef MIDGE_COMMON_MQTT_TOPIC_H
#define MIDGE_COMMON_MQTT_TOPIC_H

#include <stdbool.h>
#include <stddef.h>

/* A topic name for PUBLISH/will: at least one byte, no '+' or '#'. */
bool mqtt_topic_is_valid_name(const char *t, size_t len);

/* A subscription filter: at least one byte; '+' only as a whole level; '#' only as the
 * whole last level. "foo/+bar", "#/bar", "a/#b" are invalid. Shared-subscription syntax
 * ("$share/group/filter") is NOT interpreted here; see mqtt_topic_split_shared. */
bool mqtt_topic_is_valid_filter(const char *f, size_t len);

/* True if filter f (valid) matches topic name t (valid). Filters whose first level is a
 * wildcard do not match topics starting with '$' (MQTT-4.7.2-1). "a/#" matches "a". */
bool mqtt_topic_matches(const char *f, size_t flen, const char *t, size_t tlen);

/* Split a shared subscription "$share/<group>/<filter>" (MQTT 5): returns true and sets
 * the group and inner filter views when f has that form with a non-empty group free of
 * wildcards and a non-empty filter; false otherwise (f is then an ordinary filter). */
bool mqtt_topic_split_shared(const char *f, size_t flen, const char **group, size_t *glen,
                             const char **inner, size_t *ilen);

/* Return the length of the level starting at t (up to the next '/' or len). */
size_t mqtt_topic_level_len(const char *t, size_t len);

#endif
