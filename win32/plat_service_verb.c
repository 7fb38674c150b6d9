/* SPDX-License-Identifier: MIT */
/* The command-line verbs of the Windows build (install, uninstall, start, stop, reload,
 * run, service), and the UTF-8 command line: main's argv is in the ANSI code page, so it
 * is rebuilt from GetCommandLineW. */
#include "win32/win32_internal.h"

#include <shellapi.h>
#include <stdlib.h>
#include <string.h>

/* Replace *argv with a UTF-8 copy of the wide command line; kept for the process's
 * lifetime. Leaves argv alone if that fails. */
static void utf8_argv(int *argc, char ***argv)
{
    int n = 0;
    LPWSTR *w = CommandLineToArgvW(GetCommandLineW(), &n);
    if (!w || n != *argc) {
        if (w)
            LocalFree(w);
        return;
    }
    char **v = calloc((size_t)n + 1, sizeof *v);
    if (!v) {
        LocalFree(w);
        return;
    }
    for (int i = 0; i < n; i++)
        v[i] = win32__utf8(w[i]);
    LocalFree(w);
    *argv = v;
}

static void drop_verb(int *argc, char **argv)
{
    memmove(argv + 1, argv + 2, (size_t)(*argc - 1) * sizeof *argv); /* with the NULL */
    (*argc)--;
}

bool plat_service_verb(int *argc, char ***argv, int *status)
{
    utf8_argv(argc, argv);
    char **v = *argv;
    if (*argc < 2)
        return false;
    if (!strcmp(v[1], "install")) {
        *status = win32__service_install(*argc - 2, v + 2);
        return true;
    }
    if (!strcmp(v[1], "uninstall")) {
        *status = win32__service_uninstall();
        return true;
    }
    if (!strcmp(v[1], "start")) {
        *status = win32__service_start();
        return true;
    }
    if (!strcmp(v[1], "stop")) {
        *status = win32__service_stop();
        return true;
    }
    if (!strcmp(v[1], "reload")) {
        *status = win32__service_reload();
        return true;
    }
    if (!strcmp(v[1], "run")) {
        drop_verb(argc, v);
        return false;
    }
    if (!strcmp(v[1], "service")) {
        drop_verb(argc, v);
        if (win32__service_enter_scm() < 0) {
            *status = 1;
            return true;
        }
    }
    return false;
}
