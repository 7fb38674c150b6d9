/* SPDX-License-Identifier: MIT */
/* The subscription tree: topic filters stored level by level, so matching a topic costs
 * in proportion to its depth (and the wildcard branches present), not to the number of
 * subscriptions. Subscribers are opaque pointers (sessions). Loop thread only. */
#ifndef MIDGE_SERVICE_SUB_TREE_H
#define MIDGE_SERVICE_SUB_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sub_tree;

/* Called for each matching subscription. `options` is the subscription options byte as
 * stored (bits 0-1 granted QoS; MQTT 5 flags above), `sub_id` the MQTT 5 subscription
 * identifier (0 = none). One subscriber may be reported several times when several of
 * its filters match: the caller merges (MQTT-3.3.5-1). */
typedef void (*sub_tree_match_cb)(void *subscriber, uint8_t options, uint32_t sub_id, void *ud);

/* Create an empty tree; the caller owns it (sub_tree_free). Aborts on exhaustion. */
struct sub_tree *sub_tree_new(void);
/* Free the tree and all nodes (subscribers are not touched); NULL is a no-op. */
void sub_tree_free(struct sub_tree *t);

/* Add or replace the subscription of `subscriber` to filter f (flen bytes, valid per
 * mqtt_topic_is_valid_filter; borrowed, copied). Sets *replaced (may be NULL) when the
 * subscriber already had this exact filter, whose options are then replaced.
 * Returns 0. */
int sub_tree_add(struct sub_tree *t, const char *f, size_t flen, void *subscriber, uint8_t options,
                 uint32_t sub_id, bool *replaced);
/* Remove subscriber's subscription to exactly f. Returns 0, or ERR_NOTFOUND when it had
 * none. Empty nodes are pruned. */
int sub_tree_remove(struct sub_tree *t, const char *f, size_t flen, void *subscriber);
/* Report every subscription whose filter matches topic name tn (tlen bytes, valid).
 * Filters starting with a wildcard never match topics starting with '$'. Returns the
 * number of callbacks made. The callback must not modify the tree. */
size_t sub_tree_match(const struct sub_tree *t, const char *tn, size_t tlen, sub_tree_match_cb cb,
                      void *ud);
/* Number of (subscriber, filter) pairs stored. */
size_t sub_tree_count(const struct sub_tree *t);

#endif
