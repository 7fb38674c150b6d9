/* SPDX-License-Identifier: MIT */
/* Publication of log lines to $SYS/broker/log/... (see service/log_topic.h). */
#include "service/log_topic.h"

#include "common/mem.h"
#include "common/platform.h"
#include "service/log.h"
#include "service/msg.h"
#include "service/route.h"

#include <stdlib.h>
#include <string.h>

struct log_line {
    enum log_class cls;
    char *text; /* owned */
};

struct log_topic {
    struct broker *b;
    plat_timer *timer;
    struct log_line q[LOG_TOPIC_QUEUE_MAX];
    size_t n;
    bool armed;    /* the flush timer is pending */
    bool flushing; /* routing queued lines: do not queue what that logs */
    uint64_t dropped;
};

/* mosquitto's topic names per class; NULL = never published (debug). */
static const char *topic_of(enum log_class cls)
{
    static const char *const names[] = {
        [LOG_ERROR] = "$SYS/broker/log/E",
        [LOG_WARNING] = "$SYS/broker/log/W",
        [LOG_NOTICE] = "$SYS/broker/log/N",
        [LOG_INFO] = "$SYS/broker/log/I",
        [LOG_DEBUG] = NULL,
        [LOG_SUBSCRIBE] = "$SYS/broker/log/M/subscribe",
        [LOG_UNSUBSCRIBE] = "$SYS/broker/log/M/unsubscribe",
    };
    return names[cls];
}

/* The logger's topic sink: copy the line into the queue and arm the flush timer. */
static void on_log_line(enum log_class cls, const char *line, void *ud)
{
    struct log_topic *lt = ud;
    if (lt->flushing || !topic_of(cls))
        return;
    if (lt->n == LOG_TOPIC_QUEUE_MAX) {
        lt->dropped++;
        return;
    }
    lt->q[lt->n].cls = cls;
    lt->q[lt->n].text = xstrdup(line);
    lt->n++;
    if (!lt->armed) {
        lt->armed = true;
        plat_timer_start(lt->timer, 0, 0);
    }
}

size_t log_topic_flush(struct broker *b)
{
    struct log_topic *lt = b->log_topic;
    if (!lt)
        return 0;
    size_t n = lt->n;
    lt->n = 0;
    lt->armed = false;
    lt->flushing = true;
    for (size_t i = 0; i < n; i++) {
        const char *topic = topic_of(lt->q[i].cls);
        char *text = lt->q[i].text;
        /* QoS 0 like the rest of midge's $SYS tree; not retained, as in mosquitto. */
        struct msg *m =
            msg_new(topic, strlen(topic), text, strlen(text), 0, false, broker_next_msg_id(b));
        route_publish(b, m);
        msg_unref(m);
        free(text);
    }
    lt->flushing = false;
    return n;
}

static void on_flush_timer(plat_timer *t, void *ud)
{
    (void)t;
    log_topic_flush(ud);
}

void log_topic_start(struct broker *b)
{
    struct log_topic *lt = xcalloc(1, sizeof *lt);
    lt->b = b;
    plat_timer_new(b->loop, on_flush_timer, b, &lt->timer);
    b->log_topic = lt;
    log_set_topic_sink(on_log_line, lt);
}

uint64_t log_topic_dropped(const struct broker *b)
{
    return b->log_topic ? b->log_topic->dropped : 0;
}

void log_topic_stop(struct broker *b)
{
    struct log_topic *lt = b->log_topic;
    if (!lt)
        return;
    log_set_topic_sink(NULL, NULL);
    plat_timer_free(lt->timer);
    for (size_t i = 0; i < lt->n; i++)
        free(lt->q[i].text);
    free(lt);
    b->log_topic = NULL;
}
