/* SPDX-License-Identifier: MIT */
/* Published messages in one allocation (struct, topic, NUL, payload) with a plain
 * reference count, shared by every queue that holds them. */
#include "service/msg.h"

#include "common/err.h"
#include "common/mem.h"

#include <stdlib.h>
#include <string.h>

struct msg *msg_new(const char *topic, size_t tlen, const void *payload, size_t plen, uint8_t qos,
                    bool retain, uint64_t id)
{
    /* The header declares topic_len as 16 bits and payload_len as 32 bits: callers
     * check peer sizes against the MQTT limits long before they get here. */
    ASSERT(tlen <= UINT16_MAX);
    ASSERT(plen <= UINT32_MAX);

    struct msg *m = xmalloc(sizeof(*m) + tlen + 1 + plen);
    char *t = (char *)(m + 1);
    uint8_t *p = (uint8_t *)t + tlen + 1;

    /* memcpy with a NULL source is undefined even for 0 bytes, hence the guards. */
    if (tlen)
        memcpy(t, topic, tlen);
    t[tlen] = '\0';
    if (plen)
        memcpy(p, payload, plen);

    m->refcount = 1;
    m->qos = qos;
    m->retain = retain;
    m->topic_len = (uint16_t)tlen;
    m->payload_len = (uint32_t)plen;
    m->stored = false;
    m->id = id;
    m->expiry_at = 0;
    m->topic = t;
    m->payload = p; /* never NULL, even when empty: callers may memcpy from it */
    return m;
}

/* The count is a plain integer: messages are only shared within the loop thread.
 * Overflow would mean a leak of four billion references, so it is an invariant. */
struct msg *msg_ref(struct msg *m)
{
    ASSERT(m->refcount > 0 && m->refcount < UINT32_MAX);
    m->refcount++;
    return m;
}

/* One free releases struct, topic and payload together: they share the allocation. */
void msg_unref(struct msg *m)
{
    if (!m)
        return;
    ASSERT(m->refcount > 0);
    if (--m->refcount == 0)
        free(m);
}

size_t msg_mem_size(const struct msg *m)
{
    return sizeof(*m) + (size_t)m->topic_len + 1 + (size_t)m->payload_len;
}
