/* SPDX-License-Identifier: MIT */
/* The POSIX control endpoint: a Unix stream socket in a protected directory, peers
 * checked with SO_PEERCRED against root, the broker's uid and the admin group. */
#include "posix/posix_internal.h"

#include "common/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define CTL_DIR_MODE 0750
#define CTL_SOCK_MODE 0660
#define CTL_SYSTEM_UID_MAX 999 /* Debian: system users are below 1000 */
#define CTL_MAX_GROUPS 256

struct plat_ctl {
    plat_sock *sock;
    char *path;
    uid_t uid;          /* the broker's effective uid */
    gid_t gid;          /* the admin group */
    bool group_default; /* gid is the broker's primary group (control_group not set) */
    plat_hook_cb cb;
    void *ud;
    plat_ctl *next_live; /* g_live: endpoints to hand over at the privilege drop */
};

/* The open endpoints of the process, for posix__ctl_give_to. */
static plat_ctl *g_live;

int plat_ctl_default_path(char *out, size_t outlen, struct err_detail *d)
{
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    int n;
    if (geteuid() <= CTL_SYSTEM_UID_MAX)
        n = snprintf(out, outlen, "/run/midge/control.sock");
    else if (xdg && xdg[0] == '/')
        n = snprintf(out, outlen, "%s/midge/control.sock", xdg);
    else {
        if (outlen)
            out[0] = '\0';
        return err_set(d, ERR_NOTFOUND, NULL, 0,
                       "no default control socket: XDG_RUNTIME_DIR is not set");
    }
    if (n < 0 || (size_t)n >= outlen)
        return err_set(d, ERR_TOOBIG, NULL, 0, "control socket path too long");
    return 0;
}

/* Fill a sockaddr_un for path; ERR_TOOBIG when it does not fit. */
static int make_addr(const char *path, struct sockaddr_un *sa, struct err_detail *d)
{
    memset(sa, 0, sizeof *sa);
    sa->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof sa->sun_path)
        return err_set(d, ERR_TOOBIG, NULL, 0, "%s: path too long for a Unix socket", path);
    memcpy(sa->sun_path, path, strlen(path) + 1);
    return 0;
}

/* Resolve the admin group name (NULL/"" = our primary group) into *gid. */
static int resolve_group(const char *group, gid_t *gid, struct err_detail *d)
{
    if (!group || !group[0]) {
        *gid = getegid();
        return 0;
    }
    struct group *g = getgrnam(group);
    if (!g)
        return err_set(d, ERR_NOTFOUND, NULL, 0, "control_group '%s': no such group", group);
    *gid = g->gr_gid;
    return 0;
}

/* Create or check the directory that holds the socket: ours, 0750, admin group. */
static int prepare_dir(const char *path, gid_t gid, struct err_detail *d)
{
    char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    int rc = 0;
    if (!slash || slash == dir) {
        rc = err_set(d, ERR_PERM, NULL, 0, "%s: the control socket needs its own directory", path);
        goto out;
    }
    *slash = '\0';
    if (mkdir(dir, CTL_DIR_MODE) < 0 && errno != EEXIST) {
        rc = posix__err(d, errno == EACCES ? ERR_PERM : ERR_IO, errno, dir);
        goto out;
    }
    struct stat st;
    if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
        rc = err_set(d, ERR_PERM, NULL, 0, "%s: not a directory", dir);
        goto out;
    }
    /* Root may take over a directory a previous run handed to the broker's user. */
    if (st.st_uid != geteuid() && geteuid() != 0) {
        rc = err_set(d, ERR_PERM, NULL, 0,
                     "%s: owned by another user; the control socket needs a directory of "
                     "its own (for example /run/midge)",
                     dir);
        goto out;
    }
    if ((st.st_gid != gid && chown(dir, (uid_t)-1, gid) < 0) || chmod(dir, CTL_DIR_MODE) < 0)
        rc = posix__err(d, ERR_PERM, errno, dir);
out:
    free(dir);
    return rc;
}

/* Remove a socket file left behind by a broker that is gone; refuse a live one. */
static int clear_stale(const char *path, const struct sockaddr_un *sa, struct err_detail *d)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return errno == ENOENT ? 0 : posix__err(d, ERR_IO, errno, path);
    if (!S_ISSOCK(st.st_mode))
        return err_set(d, ERR_EXISTS, NULL, 0, "%s: exists and is not a socket", path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return posix__err(d, ERR_IO, errno, "socket");
    int live = connect(fd, (const struct sockaddr *)sa, sizeof *sa) == 0;
    close(fd);
    if (live)
        return err_set(d, ERR_ADDRINUSE, NULL, 0, "%s: another broker is listening", path);
    if (unlink(path) < 0)
        return posix__err(d, ERR_IO, errno, path);
    return 0;
}

/* Bind and listen on sa, with the socket file's mode and group set before listen(). */
static int bind_listen(const char *path, const struct sockaddr_un *sa, gid_t gid, int *out,
                       struct err_detail *d)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return posix__err(d, ERR_IO, errno, "socket");
    int rc = 0;
    if (bind(fd, (const struct sockaddr *)sa, sizeof *sa) < 0) {
        rc = posix__err(d, errno == EACCES ? ERR_PERM : ERR_IO, errno, path);
        close(fd);
        return rc;
    }
    /* The directory (0750) keeps others out until the socket has its own mode. */
    if (chown(path, (uid_t)-1, gid) < 0 || chmod(path, CTL_SOCK_MODE) < 0 || listen(fd, 16) < 0) {
        rc = posix__err(d, ERR_PERM, errno, path);
        unlink(path);
        close(fd);
        return rc;
    }
    *out = fd;
    return 0;
}

int plat_ctl_listen(plat_loop *loop, const char *path, const char *group, plat_ctl **out,
                    struct err_detail *d)
{
    struct sockaddr_un sa;
    gid_t gid = 0;
    int fd = -1;
    int rc = make_addr(path, &sa, d);
    if (rc == 0)
        rc = resolve_group(group, &gid, d);
    if (rc == 0)
        rc = prepare_dir(path, gid, d);
    if (rc == 0)
        rc = clear_stale(path, &sa, d);
    if (rc == 0)
        rc = bind_listen(path, &sa, gid, &fd, d);
    if (rc < 0)
        return rc;
    plat_ctl *c = xcalloc(1, sizeof *c);
    c->sock = posix__sock_new(loop, fd);
    c->path = xstrdup(path);
    c->uid = geteuid();
    c->gid = gid;
    c->group_default = !group || !group[0];
    c->next_live = g_live;
    g_live = c;
    *out = c;
    return 0;
}

/* chown path to uid:gid, logging nothing: the caller reports. */
static int give(const char *path, unsigned uid, unsigned gid)
{
    return chown(path, (uid_t)uid, (gid_t)gid);
}

void posix__ctl_give_to(unsigned uid, unsigned gid)
{
    for (plat_ctl *c = g_live; c; c = c->next_live) {
        if (c->group_default)
            c->gid = (gid_t)gid;
        char *dir = xstrdup(c->path);
        char *slash = strrchr(dir, '/');
        if (slash)
            *slash = '\0';
        /* Failures leave the endpoint root's: root can still use it; nothing worse. */
        (void)give(dir, uid, (unsigned)c->gid);
        (void)give(c->path, uid, (unsigned)c->gid);
        free(dir);
        c->uid = (uid_t)uid;
    }
}

static void on_listen_ready(plat_sock *s, unsigned events, void *ud)
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
    return plat_sock_watch(c->sock, cb ? PLAT_EV_READ : 0, on_listen_ready, c);
}

/* Whether gid is among the peer's groups: SO_PEERGROUPS (Linux 4.13+) gives the groups
 * the peer had when it connected; older kernels fall back to the group database. */
static bool peer_in_group(int fd, const struct ucred *cr, gid_t gid)
{
    gid_t groups[CTL_MAX_GROUPS];
    socklen_t len = sizeof groups;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) == 0) {
        for (size_t i = 0; i < len / sizeof groups[0]; i++)
            if (groups[i] == gid)
                return true;
        return false;
    }
    struct passwd *pw = getpwuid(cr->uid);
    int n = CTL_MAX_GROUPS;
    if (!pw || getgrouplist(pw->pw_name, cr->gid, groups, &n) < 0)
        return false;
    for (int i = 0; i < n; i++)
        if (groups[i] == gid)
            return true;
    return false;
}

/* Decide whether the peer of fd may use the endpoint, and describe it. */
static void check_peer(const plat_ctl *c, int fd, struct plat_ctl_peer *peer)
{
    struct ucred cr;
    socklen_t len = sizeof cr;
    memset(peer, 0, sizeof *peer);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0 || len != sizeof cr) {
        snprintf(peer->desc, sizeof peer->desc, "unknown peer (%s)", strerror(errno));
        return;
    }
    snprintf(peer->desc, sizeof peer->desc, "uid=%u gid=%u pid=%d", (unsigned)cr.uid,
             (unsigned)cr.gid, (int)cr.pid);
    peer->allowed =
        cr.uid == 0 || cr.uid == c->uid || cr.gid == c->gid || peer_in_group(fd, &cr, c->gid);
}

int plat_ctl_accept(plat_ctl *c, plat_sock **out, struct plat_ctl_peer *peer)
{
    for (;;) {
        int fd = accept4(c->sock->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            check_peer(c, fd, peer);
            *out = posix__sock_new(c->sock->loop, fd);
            return 0;
        }
        switch (errno) {
        case EAGAIN:
            return ERR_AGAIN;
        case EINTR:
        case ECONNABORTED:
            continue;
        case EMFILE:
        case ENFILE:
        case ENOBUFS:
        case ENOMEM:
            return ERR_LIMIT;
        default:
            return ERR_IO;
        }
    }
}

void plat_ctl_close(plat_ctl *c)
{
    if (!c)
        return;
    for (plat_ctl **p = &g_live; *p; p = &(*p)->next_live) {
        if (*p == c) {
            *p = c->next_live;
            break;
        }
    }
    plat_sock_close(c->sock);
    unlink(c->path);
    free(c->path);
    free(c);
}

int plat_ctl_connect(plat_loop *loop, const char *path, plat_sock **out, struct err_detail *d)
{
    struct sockaddr_un sa;
    int rc = make_addr(path, &sa, d);
    if (rc < 0)
        return rc;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return posix__err(d, ERR_IO, errno, "socket");
    while ((rc = connect(fd, (const struct sockaddr *)&sa, sizeof sa)) < 0 && errno == EINTR)
        ;
    if (rc < 0) {
        int e = errno;
        close(fd);
        int code = e == ENOENT                 ? ERR_NOTFOUND
                   : e == EACCES || e == EPERM ? ERR_PERM
                   : e == ECONNREFUSED         ? ERR_REFUSED
                                               : ERR_IO;
        return posix__err(d, code, e, path);
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
        rc = posix__err(d, ERR_IO, errno, "fcntl");
        close(fd);
        return rc;
    }
    *out = posix__sock_new(loop, fd);
    return 0;
}
