/* SPDX-License-Identifier: MIT */
/* Published messages: immutable after creation and reference-counted, so one inbound
 * PUBLISH is shared by every subscriber queue, the retained store and persistence
 * without copying the payload. Loop thread only (the count is not atomic). */
#ifndef MIDGE_SERVICE_MSG_H
#define MIDGE_SERVICE_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Topic and payload live in the same allocation, right after the struct. The topic is
 * NUL-terminated for convenience (MQTT topics cannot contain U+0000). */
struct msg {
    uint32_t refcount;
    uint8_t qos; /* QoS it was published with */
    bool retain; /* retain flag as published */
    uint16_t topic_len;
    uint32_t payload_len;
    /* True while this is the retained message of its topic in the broker's store: the one
     * field that changes after creation (retain.c), read by retained streams (rstream.c). */
    bool stored;
    uint64_t id;       /* broker-unique store id (persistence, tracing) */
    int64_t expiry_at; /* MQTT 5 message expiry (wall ms), 0 = never */
    const char *topic;
    const uint8_t *payload;
};

/* Create a message with refcount 1 by copying topic (tlen bytes) and payload (plen bytes,
 * may be NULL when 0). The caller owns the returned reference. Aborts on exhaustion;
 * callers check sizes against configured limits first. */
struct msg *msg_new(const char *topic, size_t tlen, const void *payload, size_t plen, uint8_t qos,
                    bool retain, uint64_t id);
/* Take another reference; returns m. */
struct msg *msg_ref(struct msg *m);
/* Drop a reference; frees at zero. NULL is a no-op. */
void msg_unref(struct msg *m);
/* Bytes this message occupies in memory (struct + topic + payload): for byte limits and
 * $SYS store accounting. */
size_t msg_mem_size(const struct msg *m);

#endif
