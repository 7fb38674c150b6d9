/* SPDX-License-Identifier: MIT */
/* The pid file: refuse to start when it names a live process, replace it when the
 * process it names is gone, write it atomically and remove it on exit. */
#include "posix/posix_internal.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A pid file is a few digits; anything longer is not ours. */
#define PIDFILE_MAX 64

/* Parse the decimal pid at the start of text (surrounding blanks allowed). Returns the
 * pid, or 0 when the text is not one. */
static long parse_pid(const char *text)
{
    char *end = NULL;
    errno = 0;
    long pid = strtol(text, &end, 10);
    if (errno != 0 || end == text || pid <= 0)
        return 0;
    while (*end == ' ' || *end == '\n' || *end == '\r' || *end == '\t')
        end++;
    return *end == '\0' ? pid : 0;
}

/* Whether pid names a live process. kill(pid, 0) probes existence (EPERM: it exists
 * under another user); a zombie also passes that probe, but it is dead: it happens
 * when the daemon's parent is an init that does not reap (containers). */
static bool process_alive(long pid)
{
    if (kill((pid_t)pid, 0) < 0 && errno != EPERM)
        return false;
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    char *text = NULL;
    size_t len = 0;
    if (plat_file_read_all(path, 4096, &text, &len, NULL) < 0)
        return true; /* no /proc: trust kill() */
    const char *close_paren = strrchr(text, ')');
    bool zombie = close_paren && close_paren[1] == ' ' && close_paren[2] == 'Z';
    free(text);
    return !zombie;
}

int posix__pidfile_check(const char *path, long *stale_pid, struct err_detail *d)
{
    char *text = NULL;
    size_t len = 0;
    *stale_pid = 0;
    int rc = plat_file_read_all(path, PIDFILE_MAX, &text, &len, d);
    if (rc == ERR_NOTFOUND)
        return 0;
    if (rc == ERR_TOOBIG) {
        /* Not a pid file at all: never replace what might be someone's data. */
        return err_set(d, ERR_EXISTS, NULL, 0,
                       "%s exists and is not a pid file; remove it or choose another pid_file",
                       path);
    }
    if (rc < 0)
        return rc;
    long pid = parse_pid(text);
    free(text);
    /* Garbage or our own pid (a container restarted with the same pid) is stale. */
    if (pid == 0 || pid == (long)getpid()) {
        *stale_pid = pid ? pid : -1;
        return 0;
    }
    if (process_alive(pid))
        return err_set(d, ERR_EXISTS, NULL, 0,
                       "pid file %s names process %ld, which is running: is midge already "
                       "running? (stop it, or remove the file if that process is not midge)",
                       path, pid);
    *stale_pid = pid;
    return 0;
}

int posix__pidfile_write(const char *path, struct err_detail *d)
{
    char text[32];
    int n = snprintf(text, sizeof text, "%ld\n", (long)getpid());
    /* 0644: monitoring tools and init scripts read it without privileges. */
    return plat_file_write_atomic(path, text, (size_t)n, 0644, d);
}

int posix__pidfile_remove(const char *path, struct err_detail *d)
{
    if (unlink(path) == 0 || errno == ENOENT)
        return 0;
    return posix__err(d, ERR_PERM, errno, path);
}
