/* SPDX-License-Identifier: MIT */
/* The no-echo password prompt for the command-line tools (termios on the terminal). */
#include "common/platform.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
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

/* While echo is off, a fatal signal (Ctrl-C at the prompt) must not leave the user's
 * terminal silent: the handler restores the saved settings, then dies of the signal. */
static const int g_fatal_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
static volatile sig_atomic_t g_tty_fd = -1;
static struct termios g_saved;

static void restore_and_die(int sig)
{
    if (g_tty_fd >= 0)
        tcsetattr(g_tty_fd, TCSAFLUSH, &g_saved);
    signal(sig, SIG_DFL);
    raise(sig);
}

static void guard_signals(bool on, struct sigaction *old)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = restore_and_die;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof g_fatal_signals / sizeof g_fatal_signals[0]; i++)
        sigaction(g_fatal_signals[i], on ? &sa : &old[i], on ? &old[i] : NULL);
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
    struct sigaction old_sa[sizeof g_fatal_signals / sizeof g_fatal_signals[0]];
    bool is_tty = isatty(in) && tcgetattr(in, &old) == 0;
    if (is_tty) {
        quiet = old;
        quiet.c_lflag &= (tcflag_t) ~(ECHO | ECHONL);
        quiet.c_lflag |= ICANON;
        g_saved = old;
        g_tty_fd = in;
        guard_signals(true, old_sa);
        if (tcsetattr(in, TCSAFLUSH, &quiet) != 0) {
            is_tty = false;
            g_tty_fd = -1;
            guard_signals(false, old_sa);
        }
    }
    if (write(out, prompt, strlen(prompt)) < 0) {
        /* The prompt is cosmetic; reading can still work. */
    }
    int rc = read_line(in, buf, size, d);
    if (is_tty) {
        tcsetattr(in, TCSAFLUSH, &old);
        g_tty_fd = -1;
        guard_signals(false, old_sa);
        if (write(out, "\n", 1) < 0) {
            /* as above */
        }
    }
    if (fd >= 0)
        close(fd);
    return rc;
}
