/* SPDX-License-Identifier: MIT */
/* The fake control endpoint: an in-memory listener on FAKE_CTL_PORT that tests reach
 * with fake_ctl_connect, choosing whether the peer passes the access check. */
#include "tests/fakes/fake_internal.h"

#include "common/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct plat_ctl {
    plat_sock *sock;
    plat_hook_cb cb;
    void *ud;
};

/* Clients connected with allowed = false, until accepted. */
static struct fake_client *g_refused[64];
static size_t g_n_refused;

int plat_ctl_default_path(char *out, size_t outlen, struct err_detail *d)
{
    if ((size_t)snprintf(out, outlen, "/run/midge/control.sock") >= outlen)
        return err_set(d, ERR_TOOBIG, NULL, 0, "control socket path too long");
    return 0;
}

int plat_ctl_listen(plat_loop *loop, const char *path, const char *group, plat_ctl **out,
                    struct err_detail *d)
{
    (void)group;
    if (!path || path[0] != '/')
        return err_set(d, ERR_PERM, NULL, 0, "%s: needs an absolute path", path ? path : "");
    struct plat_addr a;
    int rc = plat_net_resolve("127.0.0.1", FAKE_CTL_PORT, PLAT_AF_INET, true, &a, 1, d);
    plat_sock *s = NULL;
    if (rc > 0)
        rc = plat_sock_listen(loop, &a, 16, &s, d);
    if (rc < 0)
        return rc;
    plat_ctl *c = xcalloc(1, sizeof *c);
    c->sock = s;
    *out = c;
    return 0;
}

static void on_ready(plat_sock *s, unsigned events, void *ud)
{
    (void)s;
    (void)events;
    plat_ctl *c = ud;
    c->cb(c->ud);
}

int plat_ctl_watch(plat_ctl *c, plat_hook_cb cb, void *ud)
{
    c->cb = cb;
    c->ud = ud;
    return plat_sock_watch(c->sock, cb ? PLAT_EV_READ : 0, on_ready, c);
}

int plat_ctl_accept(plat_ctl *c, plat_sock **out, struct plat_ctl_peer *peer)
{
    int rc = plat_sock_accept(c->sock, out, NULL);
    if (rc < 0)
        return rc;
    memset(peer, 0, sizeof *peer);
    peer->allowed = true;
    for (size_t i = 0; i < g_n_refused; i++) {
        if (g_refused[i] == (*out)->fc) {
            peer->allowed = false;
            g_refused[i] = g_refused[--g_n_refused];
            break;
        }
    }
    snprintf(peer->desc, sizeof peer->desc, "uid=%u", peer->allowed ? 0u : 65534u);
    return 0;
}

void plat_ctl_close(plat_ctl *c)
{
    if (!c)
        return;
    plat_sock_close(c->sock);
    free(c);
}

int plat_ctl_connect(plat_loop *loop, const char *path, plat_sock **out, struct err_detail *d)
{
    (void)loop;
    (void)out;
    return err_set(d, ERR_NOTSUP, NULL, 0, "%s: the fake platform has no client side", path);
}

struct fake_client *fake_ctl_connect(bool allowed)
{
    struct fake_client *fc = fake_connect(FAKE_CTL_PORT);
    if (fc && !allowed && g_n_refused < sizeof g_refused / sizeof g_refused[0])
        g_refused[g_n_refused++] = fc;
    return fc;
}

void fake__ctl_reset(void)
{
    g_n_refused = 0;
}
