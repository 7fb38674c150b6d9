/* SPDX-License-Identifier: MIT */
/* Log line formatting and sink fan-out (see service/log.h).
 *
 * The logger is the one piece of process-wide state in the service: log lines can be
 * produced from any module (and before a broker exists, while the config is parsed), and
 * threading a logger through every call would add noise without adding safety. It is
 * only touched on the loop thread. */
#include "service/log.h"

#include "common/mem.h"
#include "common/platform.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct {
    unsigned dest;
    unsigned types;
    bool timestamp;
    char *ts_format;
    plat_file *file;
    char *file_path; /* path of file, for log_reopen */
    bool syslog_open;
    bool started; /* log_startup_done was called: errors no longer echo to stderr */
    log_topic_sink_fn topic_fn;
    void *topic_ud;
    log_tap_fn tap;
    void *tap_ud;
} g_log = {.dest = CFG_LOG_DEST_STDERR,
           .types =
               CFG_LOG_TYPE_ERROR | CFG_LOG_TYPE_WARNING | CFG_LOG_TYPE_NOTICE | CFG_LOG_TYPE_INFO,
           .timestamp = true};

void log_set_tap(log_tap_fn fn, void *ud)
{
    g_log.tap = fn;
    g_log.tap_ud = ud;
}

static unsigned class_bit(enum log_class cls)
{
    static const unsigned bits[] = {
        [LOG_ERROR] = CFG_LOG_TYPE_ERROR,
        [LOG_WARNING] = CFG_LOG_TYPE_WARNING,
        [LOG_NOTICE] = CFG_LOG_TYPE_NOTICE,
        [LOG_INFO] = CFG_LOG_TYPE_INFO,
        [LOG_DEBUG] = CFG_LOG_TYPE_DEBUG,
        [LOG_SUBSCRIBE] = CFG_LOG_TYPE_SUBSCRIBE,
        [LOG_UNSUBSCRIBE] = CFG_LOG_TYPE_UNSUBSCRIBE,
    };
    return bits[cls];
}

static enum plat_log_level syslog_level(enum log_class cls)
{
    static const enum plat_log_level levels[] = {
        [LOG_ERROR] = PLAT_LOG_ERROR,      [LOG_WARNING] = PLAT_LOG_WARNING,
        [LOG_NOTICE] = PLAT_LOG_NOTICE,    [LOG_INFO] = PLAT_LOG_INFO,
        [LOG_DEBUG] = PLAT_LOG_DEBUG,      [LOG_SUBSCRIBE] = PLAT_LOG_INFO,
        [LOG_UNSUBSCRIBE] = PLAT_LOG_INFO,
    };
    return levels[cls];
}

int log_configure(const struct cfg *c, bool verbose, struct err_detail *d)
{
    plat_file *nf = NULL;
    if (c->log_dest & CFG_LOG_DEST_FILE) {
        int rc = plat_file_open_append(c->log_file, &nf, d);
        if (rc < 0)
            return rc;
    }
    plat_file_close(g_log.file);
    g_log.file = nf;
    free(g_log.file_path);
    g_log.file_path = nf ? xstrdup(c->log_file) : NULL;
    if ((c->log_dest & CFG_LOG_DEST_SYSLOG) && !g_log.syslog_open) {
        plat_log_syslog_open("midge");
        g_log.syslog_open = true;
    }
    g_log.dest = c->log_dest;
    g_log.types = verbose ? CFG_LOG_TYPE_ALL : c->log_type;
    g_log.timestamp = c->log_timestamp;
    free(g_log.ts_format);
    g_log.ts_format = xstrdup(c->log_timestamp_format);
    return 0;
}

void log_set_topic_sink(log_topic_sink_fn fn, void *ud)
{
    g_log.topic_fn = fn;
    g_log.topic_ud = ud;
}

void log_reopen(void)
{
    if (!g_log.file_path)
        return;
    plat_file *nf = NULL;
    struct err_detail d = {{0}, {0}, 0};
    if (plat_file_open_append(g_log.file_path, &nf, &d) < 0) {
        log_warn("cannot reopen the log, it stays on the old file: %s", d.msg);
        return;
    }
    plat_file_close(g_log.file);
    g_log.file = nf;
}

void log_shutdown(void)
{
    plat_file_close(g_log.file);
    g_log.file = NULL;
    x_clear(&g_log.file_path);
    if (g_log.syslog_open)
        plat_log_syslog_close();
    g_log.syslog_open = false;
    x_clear(&g_log.ts_format);
}

bool log_enabled(enum log_class cls)
{
    return (g_log.types & class_bit(cls)) && g_log.dest != 0;
}

/* Prefix with either the configured strftime format or mosquitto's "<epoch>: ". */
static size_t format_stamp(char *out, size_t outlen)
{
    if (!g_log.timestamp)
        return 0;
    int64_t now = plat_time_wall_ms() / 1000;
    if (g_log.ts_format) {
        size_t n = plat_time_format(out, outlen - 2, g_log.ts_format, now);
        out[n++] = ':';
        out[n++] = ' ';
        out[n] = '\0';
        return n;
    }
    int n = snprintf(out, outlen, "%lld: ", (long long)now);
    return n > 0 ? (size_t)n : 0;
}

void log_startup_done(void)
{
    g_log.started = true;
}

void log_write(enum log_class cls, const char *fmt, ...)
{
    /* Start-up errors (port in use, unreadable files) must reach whoever started the
     * broker even when the log goes only to a file or syslog. */
    bool echo = cls == LOG_ERROR && !g_log.started && !(g_log.dest & CFG_LOG_DEST_STDERR);
    bool enabled = log_enabled(cls);
    if (!enabled && !echo)
        return;
    char line[2048];
    size_t off = format_stamp(line, 128);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + off, sizeof line - off, fmt, ap);
    va_end(ap);
    /* One line per event: never let a peer-supplied string break the line structure. */
    for (char *p = line; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    if (echo)
        plat_log_console(2, line);
    if (!enabled)
        return;
    if (g_log.dest & CFG_LOG_DEST_STDERR)
        plat_log_console(2, line);
    if (g_log.dest & CFG_LOG_DEST_STDOUT)
        plat_log_console(1, line);
    if ((g_log.dest & CFG_LOG_DEST_FILE) && g_log.file) {
        size_t n = strlen(line);
        line[n] = '\n';
        plat_file_write(g_log.file, line, n + 1);
        line[n] = '\0';
    }
    if (g_log.dest & CFG_LOG_DEST_SYSLOG)
        plat_log_syslog(syslog_level(cls), line + off);
    if ((g_log.dest & CFG_LOG_DEST_TOPIC) && g_log.topic_fn && cls != LOG_DEBUG)
        g_log.topic_fn(cls, line, g_log.topic_ud);
    if (g_log.tap)
        g_log.tap(g_log.tap_ud, cls, line + off);
}
