/* SPDX-License-Identifier: MIT */
/* The broker's logger: one line per event, filtered by log_type, written to the sinks
 * chosen by log_dest (stderr, stdout, file, syslog, $SYS topics). Never pass
 * passwords, hashes or payloads. Loop thread only. */
#ifndef MIDGE_SERVICE_LOG_H
#define MIDGE_SERVICE_LOG_H

#include "common/cfg.h"
#include "common/err.h"

#include <stdbool.h>

/* Event classes; each maps to one cfg_log_type bit. */
enum log_class {
    LOG_ERROR,
    LOG_WARNING,
    LOG_NOTICE,
    LOG_INFO,
    LOG_DEBUG,
    LOG_SUBSCRIBE,
    LOG_UNSUBSCRIBE,
};

/* Configure sinks from c (borrowed; values are copied). `verbose` (-v) forces every
 * type. Re-opens the log file: call again on reload for log rotation. Returns 0 or an
 * error with the reason in *d (the previous sinks stay in place then). */
int log_configure(const struct cfg *c, bool verbose, struct err_detail *d);
/* Reopen the current log file by its path (log rotation when the configuration could
 * not be re-read); on failure logs a warning and keeps the open file. */
void log_reopen(void);
/* Close the file and the system log. */
void log_shutdown(void);
/* Start-up is over (listeners bound): from now on errors go only to the configured
 * sinks. Before, an error is also written to stderr when stderr is not a sink, so that
 * a failing start (also of a daemon, whose stderr is still the terminal) is explained. */
void log_startup_done(void);
/* True when class would be written anywhere (to skip formatting work). */
bool log_enabled(enum log_class cls);
/* The `log_dest topic` sink (service/log_topic.c): called with every emitted line of a
 * class other than debug, timestamp included, while log_dest includes `topic`. The line
 * is borrowed for the duration of the call. One sink; NULL removes it. */
typedef void (*log_topic_sink_fn)(enum log_class cls, const char *line, void *ud);
void log_set_topic_sink(log_topic_sink_fn fn, void *ud);
/* Format and emit one line of class cls. */
void log_write(enum log_class cls, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Observer of every line written (the control server's ring of recent lines): called
 * with the class and the text without its timestamp, after the sinks. It must not log.
 * NULL fn removes it. */
typedef void (*log_tap_fn)(void *ud, enum log_class cls, const char *line);
void log_set_tap(log_tap_fn fn, void *ud);

#define log_error(...) log_write(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_write(LOG_WARNING, __VA_ARGS__)
#define log_notice(...) log_write(LOG_NOTICE, __VA_ARGS__)
#define log_info(...) log_write(LOG_INFO, __VA_ARGS__)
#define log_debug(...)                         \
    do {                                       \
        if (log_enabled(LOG_DEBUG))            \
            log_write(LOG_DEBUG, __VA_ARGS__); \
    } while (0)

#endif
