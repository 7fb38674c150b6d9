/* SPDX-License-Identifier: MIT */
/* midge-ctl's commands: each turns its arguments into requests and prints the replies.
 * A command returns the process exit status: 0 ok, 1 refused (an error reply or bad
 * arguments), 2 cannot talk to the broker. */
#ifndef MIDGE_TOOLS_CTL_CMDS_H
#define MIDGE_TOOLS_CTL_CMDS_H

#include "tools/ctl/client.h"

#include <stdbool.h>

enum { CTL_EXIT_OK = 0, CTL_EXIT_REFUSED = 1, CTL_EXIT_CONNECT = 2 };

struct ctl_ctx {
    struct ctl_conn conn;
    bool json;
    const char *if_version; /* --if-version: base_version of an edit; NULL = read it first */
};

typedef int (*ctl_cmd_fn)(struct ctl_ctx *x, int argc, char **argv);

/* The command named by group and verb (verb NULL for one-word commands), or NULL.
 * *needs_verb is set when group exists but wants a verb. */
ctl_cmd_fn cmds_find(const char *group, const char *verb, bool *one_word);

/* Print the usage text to stdout (ok) or stderr. */
void cmds_usage(bool to_stderr);

#endif
