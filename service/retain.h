/* SPDX-License-Identifier: MIT */
/* The retained-message store, kept as a topic-level tree so that a new subscription's
 * filter (wildcards included) finds its retained messages without scanning every one.
 * Loop thread only. */
#ifndef MIDGE_SERVICE_RETAIN_H
#define MIDGE_SERVICE_RETAIN_H

#include "service/msg.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct retain_store;

typedef void (*retain_visit_cb)(struct msg *m, void *ud);

/* Create an empty store; caller owns it (retain_free). */
struct retain_store *retain_new(void);
/* Free the store, dropping its message references; NULL is a no-op. */
void retain_free(struct retain_store *rs);
/* Store m (consumed: the store keeps the caller's reference) as the retained message
 * of m->topic, replacing any previous one. A message with an empty payload clears the
 * topic instead (and is released). Returns 0. */
int retain_set(struct retain_store *rs, struct msg *m);
/* Call cb for each retained message whose topic matches filter f (flen bytes, valid);
 * the '$' rule of mqtt_topic_matches applies. The message is borrowed for the call.
 * Returns the number of messages visited. cb must not modify the store. */
size_t retain_match(const struct retain_store *rs, const char *f, size_t flen, retain_visit_cb cb,
                    void *ud);
/* Call cb for every retained message (persistence, debugging). */
size_t retain_foreach(const struct retain_store *rs, retain_visit_cb cb, void *ud);
/* A resumable scan over every retained message, for persistence to work in slices
 * between client traffic (one scan per store at a time). It visits each message that
 * was retained when the scan started and is still retained when the scan reaches it
 * (a replacement on the same topic is visited with its new value); topics first set
 * during the scan are not visited. Start it, call step until it returns true (done),
 * then stop it; stop also abandons a scan early. step visits at most max messages,
 * borrowed for the call; cb must not modify the store. The store may change freely
 * between steps. */
void retain_scan_start(struct retain_store *rs);
bool retain_scan_step(struct retain_store *rs, size_t max, retain_visit_cb cb, void *ud);
void retain_scan_stop(struct retain_store *rs);
/* Number of retained messages and the payload bytes they hold. */
size_t retain_count(const struct retain_store *rs);
uint64_t retain_bytes(const struct retain_store *rs);

#endif
