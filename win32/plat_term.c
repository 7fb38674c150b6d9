/* SPDX-License-Identifier: MIT */
/* The no-echo password prompt for the command-line tools (console input mode without
 * ENABLE_ECHO_INPUT, read as UTF-16), with a plain line read when stdin is redirected. */
#include "win32/win32_internal.h"

#include "common/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Store the UTF-8 form of w in buf; ERR_TOOBIG when it does not fit. */
static int store_utf8(const wchar_t *w, char *buf, size_t size, struct err_detail *d)
{
    char *s = win32__utf8(w);
    size_t n = strlen(s);
    int rc = (int)n;
    if (n + 1 > size)
        rc = err_set(d, ERR_TOOBIG, NULL, 0, "password too long");
    else
        memcpy(buf, s, n + 1);
    SecureZeroMemory(s, n);
    free(s);
    return rc;
}

/* Read one line from the console (echo already off). */
static int read_console_line(HANDLE in, char *buf, size_t size, struct err_detail *d)
{
    wchar_t line[1024];
    size_t n = 0;
    bool too_long = false, any = false;
    for (;;) {
        wchar_t c;
        DWORD got = 0;
        if (!ReadConsoleW(in, &c, 1, &got, NULL))
            return win32__err(d, ERR_IO, GetLastError(), "reading the password");
        if (got == 0 && !any)
            return err_set(d, ERR_CLOSED, NULL, 0, "end of input while reading the password");
        if (got == 0 || c == L'\n')
            break;
        any = true;
        if (c == L'\r')
            continue;
        if (n + 1 < sizeof line / sizeof line[0])
            line[n++] = c;
        else
            too_long = true;
    }
    line[n] = L'\0';
    int rc = too_long ? err_set(d, ERR_TOOBIG, NULL, 0, "password too long")
                      : store_utf8(line, buf, size, d);
    SecureZeroMemory(line, sizeof line);
    return rc;
}

/* Read one line of UTF-8 bytes from a redirected stdin. */
static int read_pipe_line(HANDLE in, char *buf, size_t size, struct err_detail *d)
{
    size_t n = 0;
    bool too_long = false, any = false;
    for (;;) {
        char c;
        DWORD got = 0;
        BOOL ok = ReadFile(in, &c, 1, &got, NULL);
        if (!ok && GetLastError() != ERROR_BROKEN_PIPE)
            return win32__err(d, ERR_IO, GetLastError(), "reading the password");
        if (got == 0 && !any)
            return err_set(d, ERR_CLOSED, NULL, 0, "end of input while reading the password");
        if (got == 0 || c == '\n')
            break;
        any = true;
        if (n + 1 < size)
            buf[n++] = c;
        else
            too_long = true;
    }
    if (n > 0 && buf[n - 1] == '\r')
        n--;
    buf[n] = '\0';
    return too_long ? err_set(d, ERR_TOOBIG, NULL, 0, "password too long") : (int)n;
}

/* Ctrl-C at the prompt must not leave the console without echo. */
static HANDLE g_in;
static DWORD g_saved_mode;

static BOOL WINAPI restore_on_ctrl(DWORD type)
{
    (void)type;
    SetConsoleMode(g_in, g_saved_mode);
    return FALSE; /* and let the default handler end the process */
}

int plat_password_prompt(const char *prompt, char *buf, size_t size, struct err_detail *d)
{
    if (size == 0)
        return err_set(d, ERR_INVAL, NULL, 0, "no room for the password");
    buf[0] = '\0';
    HANDLE in = GetStdHandle(STD_INPUT_HANDLE);
    if (!in || in == INVALID_HANDLE_VALUE)
        return err_set(d, ERR_NOTSUP, NULL, 0, "no console to read the password from");
    DWORD mode;
    fputs(prompt, stderr);
    fflush(stderr);
    if (!GetConsoleMode(in, &mode))
        return read_pipe_line(in, buf, size, d);
    g_in = in;
    g_saved_mode = mode;
    SetConsoleCtrlHandler(restore_on_ctrl, TRUE);
    SetConsoleMode(in,
                   (mode & ~(DWORD)ENABLE_ECHO_INPUT) | ENABLE_LINE_INPUT | ENABLE_PROCESSED_INPUT);
    int rc = read_console_line(in, buf, size, d);
    SetConsoleMode(in, mode);
    SetConsoleCtrlHandler(restore_on_ctrl, FALSE);
    fputs("\n", stderr);
    return rc;
}
