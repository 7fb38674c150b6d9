/* SPDX-License-Identifier: MIT */
/* Dropping root privileges: resolve the configured `user` before anything is started,
 * then switch to it (supplementary groups, group, user) once listeners and files are
 * open. midge never keeps running as root by accident: a missing user is an error. */
#include "posix/posix_internal.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* mosquitto's default `user`; when it does not exist midge tries its own package user. */
#define DEFAULT_USER "mosquitto"
#define FALLBACK_USER "midge"

/* Look name up in the user database. Returns 0 with *u filled, ERR_NOTFOUND when there
 * is no such user, or ERR_IO when the lookup itself failed. */
static int lookup(const char *name, struct posix_user *u, struct err_detail *d)
{
    errno = 0;
    struct passwd *pw = getpwnam(name);
    if (!pw) {
        /* getpwnam reports "no such user" as NULL with errno 0 (or ENOENT/ESRCH/EBADF/
         * EPERM depending on the NSS module); only other errors are real failures. */
        int e = errno;
        if (e == 0 || e == ENOENT || e == ESRCH || e == EBADF || e == EPERM)
            return ERR_NOTFOUND;
        return posix__err(d, ERR_IO, e, "cannot look up the user");
    }
    if (strlen(pw->pw_name) >= sizeof u->name)
        return err_set(d, ERR_TOOBIG, NULL, 0, "user name '%s' is too long", pw->pw_name);
    snprintf(u->name, sizeof u->name, "%s", pw->pw_name);
    u->uid = pw->pw_uid;
    u->gid = pw->pw_gid;
    u->drop = pw->pw_uid != 0;
    return 0;
}

int posix__user_resolve(const char *name, struct posix_user *u, struct err_detail *d)
{
    memset(u, 0, sizeof *u);
    if (geteuid() != 0)
        return 0; /* not root: `user` has no effect, as in mosquitto */
    const char *want = name && name[0] ? name : DEFAULT_USER;
    if (strcmp(want, "root") == 0) {
        snprintf(u->name, sizeof u->name, "root");
        return 0;
    }
    int rc = lookup(want, u, d);
    if (rc == ERR_NOTFOUND && strcmp(want, DEFAULT_USER) == 0) {
        rc = lookup(FALLBACK_USER, u, d);
        if (rc == ERR_NOTFOUND)
            return err_set(d, rc, NULL, 0,
                           "started as root, but neither user '" DEFAULT_USER
                           "' (the default `user`) nor '" FALLBACK_USER
                           "' exists; refusing to run as root: create one of them or set "
                           "`user NAME` in the configuration (`user root` keeps root)");
    } else if (rc == ERR_NOTFOUND) {
        return err_set(d, rc, NULL, 0,
                       "started as root, but user '%s' (option `user`) does not exist; "
                       "refusing to run as root",
                       want);
    }
    return rc;
}

int posix__user_drop(const struct posix_user *u, struct err_detail *d)
{
    if (!u->drop)
        return 0;
    /* Groups first: once the uid is gone, changing groups is no longer allowed. */
    if (initgroups(u->name, u->gid) < 0)
        return posix__err(d, ERR_PERM, errno, "initgroups");
    if (setgid(u->gid) < 0)
        return posix__err(d, ERR_PERM, errno, "setgid");
    if (setuid(u->uid) < 0)
        return posix__err(d, ERR_PERM, errno, "setuid");
    /* Paranoia: with the saved set-user-ID still 0, root could be regained. */
    if (setuid(0) == 0 || geteuid() == 0 || getegid() != u->gid)
        return err_set(d, ERR_PERM, NULL, 0, "privileges could not be dropped for good");
    return 0;
}
