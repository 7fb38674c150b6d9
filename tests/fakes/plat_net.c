/* SPDX-License-Identifier: MIT */
/* The fake network: numeric addresses, in-memory listeners and connections whose other
 * end the test drives (fake_connect, fake_client_send/recv, windows for backpressure). */
#include "tests/fakes/fake_internal.h"

#include "common/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fake address layout in struct plat_addr: family (4 or 6), port (big-endian), then the
 * numeric host as a NUL-terminated string. */
#define ADDR_HOST_OFF 3

/* Every listener of every loop, to find one by port; and every client, for reset. */
static plat_sock **g_listeners;
static size_t g_n_listeners, g_cap_listeners;
static struct fake_client *g_clients;
static unsigned g_next_client = 1;

static void addr_make(struct plat_addr *a, enum plat_family fam, const char *host, uint16_t port)
{
    memset(a, 0, sizeof *a);
    a->bytes[0] = (uint8_t)fam;
    a->bytes[1] = (uint8_t)(port >> 8);
    a->bytes[2] = (uint8_t)port;
    size_t n = strlen(host);
    if (n > sizeof a->bytes - ADDR_HOST_OFF - 1)
        n = sizeof a->bytes - ADDR_HOST_OFF - 1;
    memcpy(a->bytes + ADDR_HOST_OFF, host, n);
    a->len = (uint32_t)(ADDR_HOST_OFF + n + 1);
}

static uint16_t addr_port(const struct plat_addr *a)
{
    return (uint16_t)((a->bytes[1] << 8) | a->bytes[2]);
}

/* Family of a numeric host: v6 if it has a colon, v4 if digits and dots, else ANY. */
static enum plat_family host_family(const char *h)
{
    if (strchr(h, ':'))
        return PLAT_AF_INET6;
    if (h[0] && strspn(h, "0123456789.") == strlen(h))
        return PLAT_AF_INET;
    return PLAT_AF_ANY;
}

/* Add one address of family f to out if the caller wants that family and has room. */
static void resolve_add(struct plat_addr *out, int max, int *n, enum plat_family want,
                        enum plat_family f, const char *host, uint16_t port)
{
    if (*n < max && (want == PLAT_AF_ANY || want == f))
        addr_make(&out[(*n)++], f, host, port);
}

/* Numeric hosts and "localhost" resolve; every other name is unknown to the fake. */
int plat_net_resolve(const char *host, uint16_t port, enum plat_family fam, bool passive,
                     struct plat_addr *out, int max, struct err_detail *d)
{
    if (max <= 0)
        return err_set(d, ERR_INVAL, NULL, 0, "no room for addresses");
    int n = 0;
    if (!host || !host[0] || strcmp(host, "localhost") == 0) {
        bool wild = passive && (!host || !host[0]);
        resolve_add(out, max, &n, fam, PLAT_AF_INET, wild ? "0.0.0.0" : "127.0.0.1", port);
        resolve_add(out, max, &n, fam, PLAT_AF_INET6, wild ? "::" : "::1", port);
    } else {
        enum plat_family f = host_family(host);
        if (f == PLAT_AF_ANY)
            return err_set(d, ERR_NOTFOUND, NULL, 0, "%s: unknown host (fake resolver)", host);
        resolve_add(out, max, &n, fam, f, host, port);
    }
    if (n == 0)
        return err_set(d, ERR_NOTFOUND, NULL, 0, "%s: no usable address",
                       host ? host : "(wildcard)");
    return n;
}

const char *plat_addr_format(const struct plat_addr *a, char *out, size_t outlen)
{
    if (outlen == 0)
        return out;
    out[0] = '\0';
    if (a->len <= ADDR_HOST_OFF)
        return out;
    const char *host = (const char *)a->bytes + ADDR_HOST_OFF;
    if (a->bytes[0] == PLAT_AF_INET6)
        snprintf(out, outlen, "[%s]:%u", host, (unsigned)addr_port(a));
    else
        snprintf(out, outlen, "%s:%u", host, (unsigned)addr_port(a));
    return out;
}

enum plat_family plat_addr_family(const struct plat_addr *a)
{
    if (a->len <= ADDR_HOST_OFF)
        return PLAT_AF_ANY;
    return a->bytes[0] == PLAT_AF_INET6 ? PLAT_AF_INET6 : PLAT_AF_INET;
}

/* ---- Listeners ---------------------------------------------------------------------- */

static bool listener_is_live(const plat_sock *s)
{
    for (size_t i = 0; i < g_n_listeners; i++)
        if (g_listeners[i] == s)
            return true;
    return false;
}

int plat_sock_listen(plat_loop *loop, const struct plat_addr *a, int backlog, plat_sock **out,
                     struct err_detail *d)
{
    (void)backlog;
    for (size_t i = 0; i < g_n_listeners; i++) {
        const struct plat_addr *o = &g_listeners[i]->local;
        if (o->len == a->len && memcmp(o->bytes, a->bytes, a->len) == 0) {
            char text[80];
            return err_set(d, ERR_ADDRINUSE, NULL, 0, "%s: address already in use",
                           plat_addr_format(a, text, sizeof text));
        }
    }
    plat_sock *s = xcalloc(1, sizeof *s);
    s->kind = FAKE_SOCK_LISTEN;
    s->local = *a;
    fake__sock_link(loop, s);
    if (g_n_listeners == g_cap_listeners) {
        g_cap_listeners = g_cap_listeners ? g_cap_listeners * 2 : 8;
        g_listeners = xrealloc(g_listeners, g_cap_listeners * sizeof *g_listeners);
    }
    g_listeners[g_n_listeners++] = s;
    *out = s;
    return 0;
}

/* Forget a listener that is being closed (see fake__sock_closing). */
static void listener_forget(plat_sock *s)
{
    for (size_t i = 0; i < g_n_listeners; i++) {
        if (g_listeners[i] == s) {
            g_listeners[i] = g_listeners[--g_n_listeners];
            return;
        }
    }
}

int plat_sock_accept(plat_sock *listener, plat_sock **out, struct plat_addr *peer)
{
    ASSERT(listener->kind == FAKE_SOCK_LISTEN);
    if (!listener_is_live(listener))
        return ERR_IO;
    struct fake_client *fc = listener->pending_head;
    if (!fc)
        return ERR_AGAIN;
    listener->pending_head = fc->next_pending;
    if (!listener->pending_head)
        listener->pending_tail = NULL;
    fc->next_pending = NULL;
    fc->listener = NULL;
    plat_sock *s = xcalloc(1, sizeof *s);
    s->kind = FAKE_SOCK_CONN;
    s->local = listener->local;
    s->fc = fc;
    fake__sock_link(listener->loop, s);
    fc->sock = s;
    if (peer)
        *peer = fc->peer;
    *out = s;
    return 0;
}

int plat_sock_connect(plat_loop *loop, const struct plat_addr *a, plat_sock **out,
                      struct err_detail *d)
{
    (void)loop;
    (void)a;
    (void)out;
    return err_set(d, ERR_NOTSUP, NULL, 0, "the fake network has no outbound connections");
}

int plat_sock_connect_from(plat_loop *loop, const struct plat_addr *a, const struct plat_addr *bind,
                           plat_sock **out, struct err_detail *d)
{
    (void)bind;
    return plat_sock_connect(loop, a, out, d);
}

int plat_sock_connect_result(plat_sock *s)
{
    (void)s;
    return ERR_NOTSUP;
}

/* ---- Connections: the broker's side ----------------------------------------------------- */

unsigned fake__sock_ready(const plat_sock *s)
{
    if (s->kind == FAKE_SOCK_LISTEN)
        return s->pending_head ? PLAT_EV_READ : 0u;
    const struct fake_client *fc = s->fc;
    if (!fc)
        return PLAT_EV_READ | PLAT_EV_WRITE | PLAT_EV_HUP; /* the peer vanished */
    unsigned ev = 0;
    if (buf_size(&fc->to_broker) > 0 || fc->client_closed)
        ev |= PLAT_EV_READ;
    if (fc->window > 0 || fc->client_closed)
        ev |= PLAT_EV_WRITE;
    return ev;
}

long plat_sock_read(plat_sock *s, void *buf, size_t len)
{
    ASSERT(s->kind == FAKE_SOCK_CONN && !s->closed);
    if (len == 0)
        return ERR_INVAL;
    struct fake_client *fc = s->fc;
    if (!fc)
        return ERR_CLOSED;
    size_t avail = buf_size(&fc->to_broker);
    if (avail == 0)
        return fc->client_closed ? ERR_CLOSED : ERR_AGAIN;
    size_t n = avail < len ? avail : len;
    memcpy(buf, buf_head(&fc->to_broker), n);
    buf_consume(&fc->to_broker, n);
    return (long)n;
}

long plat_sock_write(plat_sock *s, const void *buf, size_t len)
{
    ASSERT(s->kind == FAKE_SOCK_CONN && !s->closed);
    if (len == 0)
        return 0;
    struct fake_client *fc = s->fc;
    if (!fc || fc->client_closed)
        return ERR_CLOSED;
    if (fc->window == 0)
        return ERR_AGAIN;
    size_t n = len < fc->window ? len : fc->window;
    buf_append(&fc->from_broker, buf, n);
    if (fc->window != FAKE_WINDOW_UNLIMITED)
        fc->window -= n;
    fc->write_calls++;
    return (long)n;
}

int plat_sock_set_nodelay(plat_sock *s, bool on)
{
    (void)s;
    (void)on;
    return 0;
}

int plat_sock_peer_addr(plat_sock *s, struct plat_addr *out)
{
    if (s->kind != FAKE_SOCK_CONN || !s->fc)
        return ERR_CLOSED;
    *out = s->fc->peer;
    return 0;
}

int plat_sock_local_addr(plat_sock *s, struct plat_addr *out)
{
    *out = s->local;
    return 0;
}

/* plat_sock_close lives in plat_loop.c (it manages tombstones); it calls this first. */
void fake__sock_closing(plat_sock *s)
{
    if (s->kind == FAKE_SOCK_LISTEN)
        listener_forget(s);
}

/* ---- Connections: the test's side --------------------------------------------------------- */

struct fake_client *fake_connect(uint16_t port)
{
    plat_sock *l = NULL;
    for (size_t i = 0; i < g_n_listeners && !l; i++)
        if (addr_port(&g_listeners[i]->local) == port)
            l = g_listeners[i];
    if (!l)
        return NULL;
    struct fake_client *fc = xcalloc(1, sizeof *fc);
    buf_init(&fc->to_broker);
    buf_init(&fc->from_broker);
    fc->window = FAKE_WINDOW_UNLIMITED;
    char host[32];
    snprintf(host, sizeof host, "192.0.2.%u", (g_next_client - 1) % 250 + 1);
    addr_make(&fc->peer, PLAT_AF_INET, host, (uint16_t)(40000 + g_next_client));
    g_next_client++;
    fc->listener = l;
    if (l->pending_tail)
        l->pending_tail->next_pending = fc;
    else
        l->pending_head = fc;
    l->pending_tail = fc;
    fc->next = g_clients;
    if (g_clients)
        g_clients->prev = fc;
    g_clients = fc;
    return fc;
}

void fake_client_send(struct fake_client *fc, const void *bytes, size_t len)
{
    ASSERT(!fc->client_closed);
    buf_append(&fc->to_broker, bytes, len);
}

size_t fake_client_recv(struct fake_client *fc, void *buf, size_t max)
{
    size_t n = buf_size(&fc->from_broker);
    if (n > max)
        n = max;
    memcpy(buf, buf_head(&fc->from_broker), n);
    buf_consume(&fc->from_broker, n);
    return n;
}

const uint8_t *fake_client_data(const struct fake_client *fc, size_t *len)
{
    *len = buf_size(&fc->from_broker);
    return buf_head(&fc->from_broker);
}

void fake_client_consume(struct fake_client *fc, size_t n)
{
    ASSERT(n <= buf_size(&fc->from_broker));
    buf_consume(&fc->from_broker, n);
}

void fake_client_close(struct fake_client *fc)
{
    fc->client_closed = true;
}

void fake_client_set_window(struct fake_client *fc, size_t n)
{
    fc->window = n;
}

uint64_t fake_client_write_count(const struct fake_client *fc)
{
    return fc->write_calls;
}

bool fake_client_is_accepted(const struct fake_client *fc)
{
    return fc->sock != NULL || fc->broker_closed;
}

bool fake_client_is_closed(const struct fake_client *fc)
{
    return fc->broker_closed || fc->refused;
}

const struct plat_addr *fake_client_addr(const struct fake_client *fc)
{
    return &fc->peer;
}

/* Take fc out of its listener's accept queue. */
static void pending_remove(struct fake_client *fc)
{
    plat_sock *l = fc->listener;
    struct fake_client **pp = &l->pending_head;
    struct fake_client *prev = NULL;
    while (*pp && *pp != fc) {
        prev = *pp;
        pp = &(*pp)->next_pending;
    }
    if (*pp)
        *pp = fc->next_pending;
    if (l->pending_tail == fc)
        l->pending_tail = prev;
    fc->listener = NULL;
}

void fake_client_free(struct fake_client *fc)
{
    if (!fc)
        return;
    if (fc->listener)
        pending_remove(fc);
    if (fc->sock)
        fc->sock->fc = NULL;
    if (fc->prev)
        fc->prev->next = fc->next;
    else
        g_clients = fc->next;
    if (fc->next)
        fc->next->prev = fc->prev;
    buf_cleanup(&fc->to_broker);
    buf_cleanup(&fc->from_broker);
    free(fc);
}

void fake__net_reset(void)
{
    while (g_clients)
        fake_client_free(g_clients);
    g_next_client = 1;
    if (g_n_listeners == 0)
        x_clear(&g_listeners);
    if (!g_listeners)
        g_cap_listeners = 0;
}
