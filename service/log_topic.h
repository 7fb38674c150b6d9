/* SPDX-License-Identifier: MIT */
/* `log_dest topic`: log lines published to $SYS/broker/log/<severity> (E, W, N, I,
 * M/subscribe, M/unsubscribe), non-retained, as mosquitto does. Debug lines never go to
 * topics. Lines are queued by the log sink and published from a zero-delay timer, so that
 * a line logged in the middle of routing never re-enters routing. Loop thread only. */
#ifndef MIDGE_SERVICE_LOG_TOPIC_H
#define MIDGE_SERVICE_LOG_TOPIC_H

#include "service/broker.h"

#include <stddef.h>

/* At most this many lines wait for publication; further lines are dropped (and counted)
 * until the timer has published the queue. */
#define LOG_TOPIC_QUEUE_MAX 256u

/* Create b->log_topic (owned by the broker, freed by log_topic_stop) and register the
 * topic sink with the logger. Lines reach topics only while log_dest includes `topic`. */
void log_topic_start(struct broker *b);

/* Publish the queued lines now (the timer calls this; tests too). Lines logged while
 * these are routed are not queued again, so a log line about a delivery of a log line
 * cannot feed itself. Returns the number of messages published. */
size_t log_topic_flush(struct broker *b);

/* Number of lines dropped because the queue was full, since start. */
uint64_t log_topic_dropped(const struct broker *b);

/* Unregister the sink, drop queued lines, free b->log_topic; safe if never started. */
void log_topic_stop(struct broker *b);

#endif
