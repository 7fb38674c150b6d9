/* SPDX-License-Identifier: MIT */
/* The backend-independent half of the POSIX event loop: run loop, hooks, timer heap,
 * wakeup, signals through a self-pipe, and socket lifetime with tombstones. */
#include "posix/posix_internal.h"

#include "common/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Longest single wait; a bound keeps the int conversion of far-away timers safe. */
#define LOOP_MAX_WAIT_MS 3600000

int posix__err(struct err_detail *d, int code, int errnum, const char *what)
{
    char buf[256];
    /* _GNU_SOURCE is set for the whole tree, so this is the GNU strerror_r, which
     * returns the text (possibly a static string) rather than filling buf. */
    const char *text = strerror_r(errnum, buf, sizeof buf);
    return err_set(d, code, NULL, 0, "%s: %s", what, text);
}

/* ---- Sockets: creation, interest, dispatch, close ---------------------------------- */

plat_sock *posix__sock_new(plat_loop *loop, int fd)
{
    plat_sock *s = xcalloc(1, sizeof *s);
    s->loop = loop;
    s->fd = fd;
    s->slot = POSIX_NO_SLOT;
    return s;
}

int plat_sock_watch(plat_sock *s, unsigned events, plat_sock_cb cb, void *ud)
{
    ASSERT(s && !s->closed);
    events &= PLAT_EV_READ | PLAT_EV_WRITE;
    s->cb = cb;
    s->ud = ud;
    if (events == s->want)
        return 0; /* unchanged interest: no system call */
    int rc = posix__backend_update(s, events);
    if (rc == 0)
        s->want = events;
    return rc;
}

void posix__sock_dispatch(plat_sock *s, unsigned events)
{
    /* A tombstone, a paused socket, or one whose interest shrank since the kernel
     * reported it: nothing to deliver. */
    if (s->closed || s->want == 0 || !s->cb)
        return;
    /* Errors and hang-ups are always reported; they also wake the directions the
     * caller waits for, so that its read or write discovers the cause. */
    if (events & (PLAT_EV_ERROR | PLAT_EV_HUP))
        events |= s->want;
    events &= s->want | PLAT_EV_ERROR | PLAT_EV_HUP;
    if (events == 0)
        return;
    if (!s->internal)
        s->loop->ncalls++;
    s->cb(s, events, s->ud);
}

void plat_sock_close(plat_sock *s)
{
    if (!s)
        return;
    ASSERT(!s->closed);
    plat_loop *loop = s->loop;
    posix__backend_remove(s);
    close(s->fd);
    s->fd = -1;
    s->closed = true;
    s->want = 0;
    s->cb = NULL;
    s->ud = NULL;
    if (loop->in_iter) {
        /* Events for s may still be pending in this iteration's batch. */
        s->next_dead = loop->dead;
        loop->dead = s;
    } else {
        free(s);
    }
}

static void loop_reap_dead(plat_loop *loop)
{
    while (loop->dead) {
        plat_sock *s = loop->dead;
        loop->dead = s->next_dead;
        free(s);
    }
}

/* ---- Timers: common/timerq holds the ordering; this file adds the clock ------------- */

static plat_timer *timer_of(struct timerq_node *n)
{
    return (plat_timer *)(void *)((char *)n - offsetof(plat_timer, node));
}

int plat_timer_new(plat_loop *loop, plat_timer_cb cb, void *ud, plat_timer **out)
{
    plat_timer *t = xcalloc(1, sizeof *t);
    t->loop = loop;
    t->cb = cb;
    t->ud = ud;
    timerq_node_init(&t->node);
    *out = t;
    return 0;
}

void plat_timer_start(plat_timer *t, uint64_t first_ms, uint64_t repeat_ms)
{
    uint64_t now = plat_time_mono_ms();
    timerq_arm(&t->loop->timers, &t->node,
               first_ms > UINT64_MAX - now ? UINT64_MAX : now + first_ms, repeat_ms);
}

void plat_timer_stop(plat_timer *t)
{
    if (t)
        timerq_detach(&t->loop->timers, &t->node);
}

void plat_timer_free(plat_timer *t)
{
    if (!t)
        return;
    timerq_detach(&t->loop->timers, &t->node);
    free(t);
}

/* Run every timer that is due. A callback may stop or free any timer, including its own:
 * timerq_next_ready has re-armed or detached it before we call it, and we never touch a
 * timer after calling it. */
static void loop_run_timers(plat_loop *loop)
{
    uint64_t now = plat_time_mono_ms();
    timerq_expire(&loop->timers, now);
    struct timerq_node *n;
    while ((n = timerq_next_ready(&loop->timers, now)) != NULL) {
        plat_timer *t = timer_of(n);
        loop->ncalls++;
        t->cb(t, t->ud);
    }
}

/* How long the next wait may last: the caller's limit, shortened by the next timer. */
static int loop_wait_ms(plat_loop *loop, int timeout_ms)
{
    if (loop->stop)
        return 0;
    return timerq_wait_ms(&loop->timers, plat_time_mono_ms(), timeout_ms, LOOP_MAX_WAIT_MS);
}

/* Monotonic nanoseconds, for the spin budget (plat_time_mono_ms is too coarse). */
static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static unsigned online_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1u;
}

/* spinwait's poll function: one backend wait, returning the user callbacks it ran. */
static int poll_backend(void *ctx, int ms)
{
    plat_loop *loop = ctx;
    int before = loop->ncalls;
    int rc = posix__backend_wait(loop, ms);
    return rc < 0 ? rc : loop->ncalls - before;
}

void plat_loop_set_spin(plat_loop *loop, uint32_t max_us)
{
    spinwait_init(&loop->spin, max_us, online_cpus());
}

/* ---- The loop ------------------------------------------------------------------------ */

static void on_wake_readable(plat_sock *s, unsigned events, void *ud);

int plat_loop_new(plat_loop **out, struct err_detail *d)
{
    plat_loop *loop = xcalloc(1, sizeof *loop);
    int rfd = -1;
    int wfd = -1;
    atomic_init(&loop->wake_pending, false);
    int rc = posix__backend_new(loop, &rfd, &wfd, d);
    if (rc < 0)
        goto fail;
    loop->wake_wfd = wfd;
    loop->wake_sock = posix__sock_new(loop, rfd);
    loop->wake_sock->internal = true;
    rc = plat_sock_watch(loop->wake_sock, PLAT_EV_READ, on_wake_readable, loop);
    if (rc < 0) {
        err_set(d, rc, NULL, 0, "cannot watch the wakeup channel");
        goto fail;
    }
    *out = loop;
    return 0;
fail:
    plat_loop_free(loop);
    return rc;
}

static void loop_signals_release(plat_loop *loop);

void plat_loop_free(plat_loop *loop)
{
    if (!loop)
        return;
    ASSERT(!loop->in_iter);
    loop_signals_release(loop);
    if (loop->wake_sock) {
        int rfd = loop->wake_sock->fd;
        plat_sock_close(loop->wake_sock);
        if (loop->wake_wfd >= 0 && loop->wake_wfd != rfd)
            close(loop->wake_wfd);
    }
    if (loop->be)
        posix__backend_free(loop);
    loop_reap_dead(loop);
    timerq_cleanup(&loop->timers);
    free(loop);
}

int plat_loop_run_once(plat_loop *loop, int timeout_ms)
{
    ASSERT(!loop->in_iter); /* not re-entrant: never call it from a callback */
    loop->in_iter = true;
    loop->ncalls = 0;
    if (loop->before_sleep)
        loop->before_sleep(loop->before_sleep_ud);
    /* Computed after the hook, so timers it armed shorten this very wait and interest
     * changes it made are what the backend waits for. */
    int rc =
        spinwait_wait(&loop->spin, loop_wait_ms(loop, timeout_ms), poll_backend, mono_ns, loop);
    if (rc == 0)
        loop_run_timers(loop);
    loop->in_iter = false;
    loop_reap_dead(loop);
    return rc < 0 ? rc : loop->ncalls;
}

int plat_loop_run(plat_loop *loop)
{
    int rc = 0;
    while (!loop->stop) {
        rc = plat_loop_run_once(loop, -1);
        if (rc < 0)
            break;
    }
    loop->stop = false;
    return rc < 0 ? rc : 0;
}

void plat_loop_stop(plat_loop *loop)
{
    loop->stop = true;
}

void plat_loop_set_before_sleep(plat_loop *loop, plat_hook_cb cb, void *ud)
{
    loop->before_sleep = cb;
    loop->before_sleep_ud = cb ? ud : NULL;
}

/* ---- Wakeup ---------------------------------------------------------------------------- */

void plat_loop_set_wakeup(plat_loop *loop, plat_hook_cb cb, void *ud)
{
    loop->wakeup_cb = cb;
    loop->wakeup_ud = cb ? ud : NULL;
}

int plat_loop_wakeup(plat_loop *loop)
{
    /* Coalesce: while a wakeup is pending, further ones need no system call. */
    if (atomic_exchange(&loop->wake_pending, true))
        return 0;
    uint64_t one = 1;
    for (;;) {
        ssize_t n = write(loop->wake_wfd, &one, sizeof one);
        if (n >= 0 || errno == EAGAIN)
            return 0; /* a full channel already guarantees a wakeup */
        if (errno != EINTR)
            return ERR_IO;
    }
}

static void on_wake_readable(plat_sock *s, unsigned events, void *ud)
{
    plat_loop *loop = ud;
    (void)events;
    /* Clear the flag before draining: a wakeup racing with us either is drained here
     * (and covered by the callback below) or writes again after the drain. */
    atomic_store(&loop->wake_pending, false);
    char buf[64];
    for (;;) {
        ssize_t n = read(s->fd, buf, sizeof buf);
        if (n > 0)
            continue;
        if (n < 0 && errno == EINTR)
            continue;
        break;
    }
    if (loop->wakeup_cb) {
        loop->ncalls++;
        loop->wakeup_cb(loop->wakeup_ud);
    }
}

/* ---- Signals through a self-pipe ------------------------------------------------------- */

/* Signal handlers are process-wide, so the write end of the self-pipe is too; only one
 * loop at a time can own it. */
static int sig_write_fd = -1;
static plat_loop *sig_owner;

static const int sig_numbers[] = {SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2};
#define SIG_N (sizeof sig_numbers / sizeof sig_numbers[0])
/* The dispositions we replaced, restored when the owning loop is freed. */
static struct sigaction sig_saved[SIG_N];
static bool sig_installed[SIG_N];

static void on_os_signal(int signo)
{
    int saved = errno;
    unsigned char b = PLAT_SIG_STOP;
    if (signo == SIGHUP)
        b = PLAT_SIG_RELOAD;
    else if (signo == SIGUSR1)
        b = PLAT_SIG_SAVE;
    else if (signo == SIGUSR2)
        b = PLAT_SIG_DEBUG;
    /* If the pipe is full the signal is dropped; the loop is then far behind anyway. */
    ssize_t n = write(sig_write_fd, &b, 1);
    (void)n;
    errno = saved;
}

static void on_sig_readable(plat_sock *s, unsigned events, void *ud)
{
    plat_loop *loop = ud;
    unsigned char buf[32];
    (void)events;
    for (;;) {
        ssize_t n = read(s->fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        for (ssize_t i = 0; i < n; i++) {
            if (!loop->sig_cb || buf[i] >= PLAT_SIG_COUNT_)
                continue;
            loop->ncalls++;
            loop->sig_cb((enum plat_signal)buf[i], loop->sig_ud);
        }
    }
}

static int loop_signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_os_signal;
    sa.sa_flags = SA_RESTART;
    sigfillset(&sa.sa_mask);
    for (size_t i = 0; i < SIG_N; i++) {
        if (sigaction(sig_numbers[i], &sa, &sig_saved[i]) < 0)
            return ERR_IO;
        sig_installed[i] = true;
    }
    sa.sa_handler = SIG_IGN;
    sa.sa_flags = 0;
    return sigaction(SIGPIPE, &sa, NULL) < 0 ? ERR_IO : 0;
}

int plat_loop_handle_signals(plat_loop *loop, plat_signal_cb cb, void *ud)
{
    if (sig_owner == loop) {
        loop->sig_cb = cb;
        loop->sig_ud = ud;
        return 0;
    }
    if (sig_owner)
        return ERR_IO; /* another loop already owns the process's signals */
    int fds[2];
    if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0)
        return ERR_IO;
    loop->sig_sock = posix__sock_new(loop, fds[0]);
    loop->sig_sock->internal = true;
    loop->sig_cb = cb;
    loop->sig_ud = ud;
    sig_write_fd = fds[1];
    sig_owner = loop;
    int rc = plat_sock_watch(loop->sig_sock, PLAT_EV_READ, on_sig_readable, loop);
    if (rc == 0)
        rc = loop_signals_install();
    if (rc < 0) {
        loop_signals_release(loop);
        return ERR_IO;
    }
    return 0;
}

/* Give the signals back their previous dispositions and close the self-pipe. SIGPIPE
 * stays ignored: nothing in midge wants to die of it. */
static void loop_signals_release(plat_loop *loop)
{
    if (sig_owner != loop)
        return;
    for (size_t i = 0; i < SIG_N; i++) {
        if (sig_installed[i])
            sigaction(sig_numbers[i], &sig_saved[i], NULL);
        sig_installed[i] = false;
    }
    close(sig_write_fd);
    sig_write_fd = -1;
    sig_owner = NULL;
    plat_sock_close(loop->sig_sock);
    loop->sig_sock = NULL;
    loop->sig_cb = NULL;
    loop->sig_ud = NULL;
}
