/* SPDX-License-Identifier: MIT */
/* The Windows control endpoint: not implemented yet. The contract (common/platform.h
 * section 8) is meant for AF_UNIX in a directory whose ACL admits Administrators and
 * SYSTEM only (or a named pipe); until the Windows platform issue writes it, every call
 * reports ERR_NOTSUP and the broker runs without a control socket. */
#include "win32/win32_internal.h"

#include <stdio.h>

int plat_ctl_default_path(char *out, size_t outlen, struct err_detail *d)
{
    if (outlen)
        out[0] = '\0';
    return err_set(d, ERR_NOTSUP, NULL, 0, "the control socket is not available on Windows yet");
}

int plat_ctl_listen(plat_loop *loop, const char *path, const char *group, plat_ctl **out,
                    struct err_detail *d)
{
    (void)loop;
    (void)group;
    *out = NULL;
    return err_set(d, ERR_NOTSUP, NULL, 0, "%s: the control socket is not available on Windows yet",
                   path);
}

int plat_ctl_watch(plat_ctl *c, plat_hook_cb cb, void *ud)
{
    (void)c;
    (void)cb;
    (void)ud;
    return ERR_NOTSUP;
}

int plat_ctl_accept(plat_ctl *c, plat_sock **out, struct plat_ctl_peer *peer)
{
    (void)c;
    (void)peer;
    *out = NULL;
    return ERR_NOTSUP;
}

void plat_ctl_close(plat_ctl *c)
{
    (void)c;
}

int plat_ctl_connect(plat_loop *loop, const char *path, plat_sock **out, struct err_detail *d)
{
    (void)loop;
    *out = NULL;
    return err_set(d, ERR_NOTSUP, NULL, 0, "%s: the control socket is not available on Windows yet",
                   path);
}
