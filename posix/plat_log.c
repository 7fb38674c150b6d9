/* SPDX-License-Identifier: MIT */
/* POSIX log sinks: syslog (facility daemon) and whole-line console writes. */
#include "posix/posix_internal.h"

#include "common/mem.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

/* openlog keeps the ident pointer, so the text must outlive the call. */
static char log_ident[64];
static bool log_open;

int plat_log_syslog_open(const char *ident)
{
    if (log_open && strcmp(ident, log_ident) == 0)
        return 0;
    if (log_open)
        closelog();
    size_t n = strlen(ident);
    if (n >= sizeof log_ident)
        n = sizeof log_ident - 1;
    memcpy(log_ident, ident, n);
    log_ident[n] = '\0';
    openlog(log_ident, LOG_PID, LOG_DAEMON);
    log_open = true;
    return 0;
}

static int syslog_priority(enum plat_log_level level)
{
    switch (level) {
    case PLAT_LOG_ERROR:
        return LOG_ERR;
    case PLAT_LOG_WARNING:
        return LOG_WARNING;
    case PLAT_LOG_NOTICE:
        return LOG_NOTICE;
    case PLAT_LOG_INFO:
        return LOG_INFO;
    default:
        return LOG_DEBUG;
    }
}

void plat_log_syslog(enum plat_log_level level, const char *line)
{
    syslog(syslog_priority(level), "%s", line);
}

void plat_log_syslog_close(void)
{
    if (!log_open)
        return;
    closelog();
    log_open = false;
}

void plat_log_console(int stream, const char *line)
{
    /* One write() per line: lines written by different threads never interleave. */
    char stackbuf[1024];
    size_t n = strlen(line);
    char *buf = n + 1 <= sizeof stackbuf ? stackbuf : xmalloc(n + 1);
    memcpy(buf, line, n);
    buf[n] = '\n';
    int fd = stream == 1 ? STDOUT_FILENO : STDERR_FILENO;
    size_t off = 0;
    while (off < n + 1) {
        ssize_t w = write(fd, buf + off, n + 1 - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break; /* nowhere to report a failing console */
        off += (size_t)w;
    }
    if (buf != stackbuf)
        free(buf);
}
