/* SPDX-License-Identifier: MIT */
/* Blocking control connection for midge-ctl (see tools/ctl/client.h). */
#include "tools/ctl/client.h"

#include <stdlib.h>
#include <string.h>

#define REPLY_TIMEOUT_MS 60000u

static void on_io(plat_sock *s, unsigned events, void *ud)
{
    (void)s;
    (void)events;
    struct ctl_conn *c = ud;
    c->readable = true;
}

/* Write all of data, waiting for the socket when it is full. */
static int write_all(struct ctl_conn *c, const char *data, size_t len, struct err_detail *d)
{
    while (len > 0) {
        long n = plat_sock_write(c->sock, data, len);
        if (n == ERR_AGAIN) {
            plat_sock_watch(c->sock, PLAT_EV_READ | PLAT_EV_WRITE, on_io, c);
            plat_loop_run_once(c->loop, 1000);
            continue;
        }
        if (n < 0)
            return err_set(d, (int)n, NULL, 0, "the broker closed the control connection");
        data += n;
        len -= (size_t)n;
    }
    plat_sock_watch(c->sock, PLAT_EV_READ, on_io, c);
    return 0;
}

/* Wait for the next frame (timeout_ms 0 = forever) and parse it into *out. */
static int next_frame(struct ctl_conn *c, uint64_t timeout_ms, struct ctl_reply *out,
                      struct err_detail *d)
{
    uint64_t deadline = plat_time_mono_ms() + timeout_ms;
    for (;;) {
        char *line = NULL;
        size_t len = 0;
        int got = ctl_framer_next(&c->in, &line, &len);
        if (got < 0)
            return err_set(d, ERR_TOOBIG, NULL, 0, "reply frame too large");
        if (got > 0) {
            int rc = ctl_reply_parse(line, len, out, d);
            if (rc < 0)
                ctl_reply_cleanup(out);
            return rc;
        }
        char buf[65536];
        long n = plat_sock_read(c->sock, buf, sizeof buf);
        if (n > 0) {
            if (ctl_framer_feed(&c->in, buf, (size_t)n) < 0)
                return err_set(d, ERR_TOOBIG, NULL, 0, "reply frame too large");
            continue;
        }
        if (n != ERR_AGAIN)
            return err_set(d, ERR_CLOSED, NULL, 0, "the broker closed the control connection");
        uint64_t now = plat_time_mono_ms();
        if (timeout_ms && now >= deadline)
            return err_set(d, ERR_TIMEOUT, NULL, 0, "no reply from the broker");
        c->readable = false;
        plat_loop_run_once(c->loop, timeout_ms ? (int)(deadline - now) : -1);
    }
}

int ctl_conn_call(struct ctl_conn *c, enum ctl_op op, cJSON *args, struct ctl_reply *out,
                  struct err_detail *d)
{
    double id = c->next_id++;
    size_t len = 0;
    char *frame = ctl_build_request(id, op, args, &len);
    int rc = write_all(c, frame, len, d);
    memset(frame, 0, len); /* it may carry a password */
    free(frame);
    if (rc < 0) {
        /* A broker that refuses us answers once and closes, maybe before our request
         * arrived: its answer is still readable. */
        struct err_detail d2 = {{0}, {0}, 0};
        if (next_frame(c, 1000, out, &d2) == 0) {
            if (out->kind == CTL_REPLY_ERROR)
                return 0;
            ctl_reply_cleanup(out);
        }
        return rc;
    }
    while (rc == 0) {
        rc = next_frame(c, REPLY_TIMEOUT_MS, out, d);
        if (rc < 0)
            return rc;
        if (out->kind != CTL_REPLY_EVENT && (out->id == id || out->id < 0))
            return 0;
        ctl_reply_cleanup(out);
    }
    return rc;
}

int ctl_conn_next_event(struct ctl_conn *c, struct ctl_reply *out, struct err_detail *d)
{
    for (;;) {
        int rc = next_frame(c, 0, out, d);
        if (rc < 0 || out->kind == CTL_REPLY_EVENT)
            return rc;
        ctl_reply_cleanup(out);
    }
}

int ctl_conn_open(struct ctl_conn *c, const char *path, struct err_detail *d)
{
    memset(c, 0, sizeof *c);
    ctl_framer_init(&c->in, CTL_MAX_REPLY);
    c->next_id = 1;
    int rc = plat_loop_new(&c->loop, d);
    if (rc == 0)
        rc = plat_ctl_connect(c->loop, path, &c->sock, d);
    if (rc < 0)
        return rc;
    plat_sock_watch(c->sock, PLAT_EV_READ, on_io, c);
    cJSON *args = ctl_json_object();
    cJSON_AddNumberToObject(args, "protocol", CTL_PROTO_VERSION);
    ctl_json_add_str(args, "client", "midge-ctl");
    struct ctl_reply r;
    rc = ctl_conn_call(c, CTL_OP_HELLO, args, &r, d);
    if (rc < 0)
        return rc;
    if (r.kind == CTL_REPLY_ERROR)
        rc = err_set(d, ERR_AUTH, NULL, 0, "%s (%s)", r.message, r.code_name);
    ctl_reply_cleanup(&r);
    return rc;
}

void ctl_conn_close(struct ctl_conn *c)
{
    plat_sock_close(c->sock);
    c->sock = NULL;
    plat_loop_free(c->loop);
    c->loop = NULL;
    ctl_framer_cleanup(&c->in);
}
