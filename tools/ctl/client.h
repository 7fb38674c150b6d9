/* SPDX-License-Identifier: MIT */
/* midge-ctl's side of the control protocol: a blocking request/reply connection over
 * plat_ctl_connect, built on common/ctl_proto. Single-threaded. */
#ifndef MIDGE_TOOLS_CTL_CLIENT_H
#define MIDGE_TOOLS_CTL_CLIENT_H

#include "common/ctl_proto.h"
#include "common/platform.h"

struct ctl_conn {
    plat_loop *loop;
    plat_sock *sock;
    struct ctl_framer in;
    double next_id;
    bool readable;
};

/* Connect to the endpoint at path and complete the hello. Returns 0; a transport
 * error (ERR_NOTFOUND, ERR_PERM, ERR_REFUSED, ERR_CLOSED, ERR_TIMEOUT, ...) with the reason
 * in *d; or ERR_AUTH when the broker answered the hello with an error such as "perm"
 * (its message in *d). *c is caller-owned storage; release it with ctl_conn_close on every path. */
int ctl_conn_open(struct ctl_conn *c, const char *path, struct err_detail *d);
/* Send op with args (consumed; NULL = none) and wait up to 60 s for its reply, skipping
 * events. Returns 0 with the reply (result or error) in *out, which the caller releases
 * with ctl_reply_cleanup; or a transport error (nothing in *out). */
int ctl_conn_call(struct ctl_conn *c, enum ctl_op op, cJSON *args, struct ctl_reply *out,
                  struct err_detail *d);
/* Wait (without a limit) for the next event frame into *out. Returns 0 or a transport
 * error. */
int ctl_conn_next_event(struct ctl_conn *c, struct ctl_reply *out, struct err_detail *d);
/* Close and free; safe on a failed open and twice. */
void ctl_conn_close(struct ctl_conn *c);

#endif
