/* SPDX-License-Identifier: MIT */
/* The no-echo password prompt for the command-line tools (termios on the terminal). */
#include "common/platform.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

/* Read one line from fd into buf; returns its length or an error. */
static int read_line(int fd, char *buf, size_t size, struct err_detail *d)
{
    size_t n = 0;
    bool too_long = false, got_any = false;
    for (;;) {
        char c;
        ssize_t r = read(fd, &c, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return err_set(d, ERR_IO, NULL, 0, "reading the password: %s", strerror(errno));
        if (r == 0 && !got_any)
            return err_set(d, ERR_CLOSED, NULL, 0, "end of input while reading the password");
        if (r == 0 || c == '\n')
            break;
        got_any = true;
        if (n + 1 < size)
            buf[n++] = c;
        else
            too_long = true;
    }
    if (n > 0 && buf[n - 1] == '\r')
        n--;
    buf[n] = '\0';
    if (too_long)
        return err_set(d, ERR_TOOBIG, NULL, 0, "password too long");
    return (int)n;
}

int plat_password_prompt(const char *prompt, char *buf, size_t size, struct err_detail *d)
{
    if (size == 0)
        return err_set(d, ERR_INVAL, NULL, 0, "no room for the password");
    buf[0] = '\0';
    /* Prefer the controlling terminal so that redirected stdio does not matter; fall back
     * to stdin/stderr (scripts piping a password in). */
    int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
    int in = fd >= 0 ? fd : STDIN_FILENO, out = fd >= 0 ? fd : STDERR_FILENO;
    struct termios old, quiet;
    bool is_tty = isatty(in) && tcgetattr(in, &old) == 0;
    if (is_tty) {
        quiet = old;
        quiet.c_lflag &= (tcflag_t) ~(ECHO | ECHONL);
        quiet.c_lflag |= ICANON;
        if (tcsetattr(in, TCSAFLUSH, &quiet) != 0)
            is_tty = false;
    }
    if (write(out, prompt, strlen(prompt)) < 0) {
        /* The prompt is cosmetic; reading can still work. */
    }
    int rc = read_line(in, buf, size, d);
    if (is_tty) {
        tcsetattr(in, TCSAFLUSH, &old);
        if (write(out, "\n", 1) < 0) {
            /* as above */
        }
    }
    if (fd >= 0)
        close(fd);
    return rc;
}
