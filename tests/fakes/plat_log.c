/* SPDX-License-Identifier: MIT */
/* The fake log sinks: syslog and console lines are kept in memory for tests to search
 * (and optionally echoed to stderr while debugging a test). */
#include "tests/fakes/fake_internal.h"

#include "common/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct log_line {
    char *text;
    enum fake_log_sink sink;
};

static struct log_line *g_lines;
static size_t g_n, g_cap;
static bool g_syslog_open;
static int g_echo = -1; /* -1 = not decided yet (read the environment once) */

static void keep(enum fake_log_sink sink, const char *line)
{
    if (g_echo < 0) {
        const char *e = getenv("MIDGE_FAKE_LOG_ECHO");
        g_echo = e && e[0] == '1';
    }
    if (g_echo)
        fprintf(stderr, "[fake log %d] %s\n", (int)sink, line);
    if (g_n == g_cap) {
        g_cap = g_cap ? g_cap * 2 : 64;
        g_lines = xrealloc(g_lines, g_cap * sizeof *g_lines);
    }
    g_lines[g_n++] = (struct log_line){xstrdup(line), sink};
}

int plat_log_syslog_open(const char *ident)
{
    (void)ident;
    g_syslog_open = true;
    return 0;
}

void plat_log_syslog(enum plat_log_level level, const char *line)
{
    (void)level;
    keep(FAKE_LOG_SYSLOG, line);
}

void plat_log_syslog_close(void)
{
    g_syslog_open = false;
}

void plat_log_console(int stream, const char *line)
{
    keep(stream == 1 ? FAKE_LOG_STDOUT : FAKE_LOG_STDERR, line);
}

size_t fake_log_count(void)
{
    return g_n;
}

const char *fake_log_line(size_t i, enum fake_log_sink *sink)
{
    if (i >= g_n)
        return NULL;
    if (sink)
        *sink = g_lines[i].sink;
    return g_lines[i].text;
}

size_t fake_log_count_matching(const char *substr)
{
    size_t n = 0;
    for (size_t i = 0; i < g_n; i++)
        if (strstr(g_lines[i].text, substr))
            n++;
    return n;
}

bool fake_log_contains(const char *substr)
{
    return fake_log_count_matching(substr) > 0;
}

void fake_log_clear(void)
{
    for (size_t i = 0; i < g_n; i++)
        free(g_lines[i].text);
    g_n = 0;
}

void fake_log_set_echo(bool on)
{
    g_echo = on;
}

void fake__log_reset(void)
{
    fake_log_clear();
    free(g_lines);
    g_lines = NULL;
    g_cap = 0;
    g_syslog_open = false;
}
