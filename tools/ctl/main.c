/* SPDX-License-Identifier: MIT */
/* midge-ctl: the command-line client of the broker's control socket
 * (docs/control-protocol.md). Parses the global options, connects, runs one command. */
#include "common/platform.h"
#include "tools/ctl/cmds.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    struct ctl_ctx x;
    memset(&x, 0, sizeof x);
    const char *path = NULL;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *o = argv[i];
        if (strcmp(o, "--json") == 0) {
            x.json = true;
        } else if ((strcmp(o, "--socket") == 0 || strcmp(o, "-s") == 0) && i + 1 < argc) {
            path = argv[++i];
        } else if (strcmp(o, "--if-version") == 0 && i + 1 < argc) {
            x.if_version = argv[++i];
        } else if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
            cmds_usage(false);
            return CTL_EXIT_OK;
        } else {
            fprintf(stderr, "midge-ctl: unknown option '%s'\n\n", o);
            cmds_usage(true);
            return CTL_EXIT_REFUSED;
        }
    }
    if (i >= argc) {
        cmds_usage(true);
        return CTL_EXIT_REFUSED;
    }
    bool one_word = false;
    ctl_cmd_fn fn = cmds_find(argv[i], i + 1 < argc ? argv[i + 1] : NULL, &one_word);
    if (!fn) {
        fprintf(stderr, "midge-ctl: unknown command '%s%s%s'\n\n", argv[i], i + 1 < argc ? " " : "",
                i + 1 < argc ? argv[i + 1] : "");
        cmds_usage(true);
        return CTL_EXIT_REFUSED;
    }
    int first = i + (one_word ? 1 : 2);
    char def[512];
    struct err_detail d = {{0}, {0}, 0};
    if (!path && plat_ctl_default_path(def, sizeof def, &d) < 0) {
        fprintf(stderr, "midge-ctl: %s (use --socket PATH)\n", d.msg);
        return CTL_EXIT_CONNECT;
    }
    path = path ? path : def;
    int rc = ctl_conn_open(&x.conn, path, &d);
    if (rc < 0) {
        fprintf(stderr, "midge-ctl: %s\n", d.msg[0] ? d.msg : err_str(rc));
        ctl_conn_close(&x.conn);
        /* The broker answered and said no (for example: not in the control group). */
        return rc == ERR_AUTH ? CTL_EXIT_REFUSED : CTL_EXIT_CONNECT;
    }
    rc = fn(&x, argc - first, argv + first);
    ctl_conn_close(&x.conn);
    return rc;
}
