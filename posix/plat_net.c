/* SPDX-License-Identifier: MIT */
/* POSIX addresses and non-blocking TCP sockets: resolve, format, listen, accept,
 * connect, read and write, with errno translated into ERR_* at this boundary. */
#include "posix/posix_internal.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

_Static_assert(sizeof(struct sockaddr_storage) <= sizeof(((struct plat_addr *)0)->bytes),
               "struct plat_addr must hold any socket address");

static const struct sockaddr *addr_sa(const struct plat_addr *a)
{
    return (const struct sockaddr *)(const void *)a->bytes;
}

static void addr_store(struct plat_addr *out, const void *sa, socklen_t len)
{
    memset(out, 0, sizeof *out);
    if (len > sizeof out->bytes)
        len = sizeof out->bytes;
    memcpy(out->bytes, sa, len);
    out->len = len;
}

/* Map getaddrinfo's error space onto ours. */
static int gai_to_err(int gai, struct err_detail *d, const char *host)
{
    int code = ERR_NOTFOUND;
    if (gai == EAI_MEMORY)
        code = ERR_NOMEM;
    else if (gai == EAI_FAMILY || gai == EAI_SERVICE || gai == EAI_BADFLAGS || gai == EAI_SOCKTYPE)
        code = ERR_INVAL;
    if (gai == EAI_SYSTEM)
        return posix__err(d, ERR_NOTFOUND, errno, host);
    return err_set(d, code, NULL, 0, "%s: %s", host, gai_strerror(gai));
}

int plat_net_resolve(const char *host, uint16_t port, enum plat_family fam, bool passive,
                     struct plat_addr *out, int max, struct err_detail *d)
{
    if (max <= 0)
        return err_set(d, ERR_INVAL, NULL, 0, "no room for addresses");
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = fam == PLAT_AF_INET ? AF_INET : fam == PLAT_AF_INET6 ? AF_INET6 : AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
    if (host && !host[0])
        host = NULL;
    char service[8];
    snprintf(service, sizeof service, "%u", (unsigned)port);
    struct addrinfo *res = NULL;
    int gai = getaddrinfo(host, service, &hints, &res);
    if (gai != 0)
        return gai_to_err(gai, d, host ? host : "(wildcard)");
    int n = 0;
    for (struct addrinfo *ai = res; ai && n < max; ai = ai->ai_next) {
        if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
            continue;
        addr_store(&out[n++], ai->ai_addr, ai->ai_addrlen);
    }
    freeaddrinfo(res);
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
    if (a->len < sizeof(sa_family_t))
        return out;
    const struct sockaddr *sa = addr_sa(a);
    if (sa->sa_family == AF_UNIX) {
        const struct sockaddr_un *un = (const struct sockaddr_un *)(const void *)a->bytes;
        snprintf(out, outlen, "unix:%s", un->sun_path);
        return out;
    }
    char host[NI_MAXHOST];
    char serv[NI_MAXSERV];
    if (getnameinfo(sa, a->len, host, sizeof host, serv, sizeof serv,
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0)
        return out;
    if (sa->sa_family == AF_INET6)
        snprintf(out, outlen, "[%s]:%s", host, serv);
    else
        snprintf(out, outlen, "%s:%s", host, serv);
    return out;
}

enum plat_family plat_addr_family(const struct plat_addr *a)
{
    if (a->len < sizeof(sa_family_t))
        return PLAT_AF_ANY;
    switch (addr_sa(a)->sa_family) {
    case AF_INET:
        return PLAT_AF_INET;
    case AF_INET6:
        return PLAT_AF_INET6;
    default:
        return PLAT_AF_ANY; /* Unix and anything else */
    }
}

/* errno of bind/listen/socket to ERR_*. */
static int bind_err(int e)
{
    switch (e) {
    case EADDRINUSE:
        return ERR_ADDRINUSE;
    case EADDRNOTAVAIL:
    case EAFNOSUPPORT:
        return ERR_ADDRNOTAVAIL;
    case EACCES:
    case EPERM:
        return ERR_PERM;
    default:
        return ERR_IO;
    }
}

static int set_int_opt(int fd, int level, int name, int value)
{
    return setsockopt(fd, level, name, &value, sizeof value);
}

int plat_sock_listen(plat_loop *loop, const struct plat_addr *a, int backlog, plat_sock **out,
                     struct err_detail *d)
{
    char text[INET6_ADDRSTRLEN + 16];
    plat_addr_format(a, text, sizeof text);
    int family = addr_sa(a)->sa_family;
    int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return posix__err(d, bind_err(errno), errno, text);
    if (family != AF_UNIX && set_int_opt(fd, SOL_SOCKET, SO_REUSEADDR, 1) < 0)
        goto fail;
    /* A v6 listener never takes v4 traffic, so "0.0.0.0" and "::" can both be bound. */
    if (family == AF_INET6 && set_int_opt(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1) < 0)
        goto fail;
    if (bind(fd, addr_sa(a), a->len) < 0)
        goto fail;
    if (listen(fd, backlog > 0 ? backlog : SOMAXCONN) < 0)
        goto fail;
    *out = posix__sock_new(loop, fd);
    return 0;
fail:;
    int e = errno;
    close(fd);
    return posix__err(d, bind_err(e), e, text);
}

/* Accept: EMFILE/ENFILE become ERR_LIMIT. The pending connection then stays in the
 * backlog and level-triggered readiness reports it again at once, so a caller that gets
 * ERR_LIMIT should stop watching the listener for a short while (say 100 ms) instead of
 * spinning. */
int plat_sock_accept(plat_sock *listener, plat_sock **out, struct plat_addr *peer)
{
    struct sockaddr_storage ss;
    for (;;) {
        socklen_t len = sizeof ss;
        int fd = accept4(listener->fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            if (peer)
                addr_store(peer, &ss, len);
            *out = posix__sock_new(listener->loop, fd);
            return 0;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return ERR_AGAIN;
        switch (errno) {
        case EINTR:
        case ECONNABORTED: /* that one is gone; try the next */
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

/* errno of a failed connection attempt to ERR_*. */
static int connect_err(int e)
{
    switch (e) {
    case ECONNREFUSED:
        return ERR_REFUSED;
    case ETIMEDOUT:
        return ERR_TIMEOUT;
    case EADDRNOTAVAIL:
    case ENETUNREACH:
    case EHOSTUNREACH:
    case EAFNOSUPPORT:
        return ERR_ADDRNOTAVAIL;
    case EACCES:
    case EPERM:
        return ERR_PERM;
    default:
        return ERR_IO;
    }
}

int plat_sock_connect(plat_loop *loop, const struct plat_addr *a, plat_sock **out,
                      struct err_detail *d)
{
    return plat_sock_connect_from(loop, a, NULL, out, d);
}

int plat_sock_connect_from(plat_loop *loop, const struct plat_addr *a,
                           const struct plat_addr *bind_to, plat_sock **out, struct err_detail *d)
{
    char text[INET6_ADDRSTRLEN + 16];
    plat_addr_format(a, text, sizeof text);
    int fd = socket(addr_sa(a)->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return posix__err(d, connect_err(errno), errno, text);
    if (bind_to && bind(fd, addr_sa(bind_to), bind_to->len) != 0) {
        int e = errno;
        close(fd);
        plat_addr_format(bind_to, text, sizeof text);
        return posix__err(d, e == EADDRNOTAVAIL ? ERR_ADDRNOTAVAIL : ERR_IO, e, text);
    }
    int rc;
    do
        rc = connect(fd, addr_sa(a), a->len);
    while (rc < 0 && errno == EINTR);
    if (rc < 0 && errno != EINPROGRESS) {
        int e = errno;
        close(fd);
        return posix__err(d, connect_err(e), e, text);
    }
    *out = posix__sock_new(loop, fd);
    return 0;
}

int plat_sock_connect_result(plat_sock *s)
{
    int e = 0;
    socklen_t len = sizeof e;
    if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
        return ERR_IO;
    return e == 0 ? 0 : connect_err(e);
}

/* errno of a failed read or write to ERR_*. */
static int io_err(int e)
{
    if (e == EAGAIN || e == EWOULDBLOCK)
        return ERR_AGAIN;
    switch (e) {
    case ECONNRESET:
    case EPIPE:
    case ETIMEDOUT:
    case ENOTCONN:
    case ECONNABORTED:
        return ERR_CLOSED;
    default:
        return ERR_IO;
    }
}

long plat_sock_read(plat_sock *s, void *buf, size_t len)
{
    if (len == 0)
        return ERR_INVAL; /* 0 would be indistinguishable from end of stream */
    for (;;) {
        ssize_t n = recv(s->fd, buf, len, 0);
        if (n > 0)
            return (long)n;
        if (n == 0)
            return ERR_CLOSED;
        if (errno != EINTR)
            return io_err(errno);
    }
}

long plat_sock_write(plat_sock *s, const void *buf, size_t len)
{
    if (len == 0)
        return 0;
    for (;;) {
        /* MSG_NOSIGNAL: a vanished peer gives EPIPE instead of killing the process. */
        ssize_t n = send(s->fd, buf, len, MSG_NOSIGNAL);
        if (n >= 0)
            return (long)n;
        if (errno != EINTR)
            return io_err(errno);
    }
}

int plat_sock_set_nodelay(plat_sock *s, bool on)
{
    if (set_int_opt(s->fd, IPPROTO_TCP, TCP_NODELAY, on ? 1 : 0) == 0)
        return 0;
    return errno == EOPNOTSUPP || errno == ENOPROTOOPT ? ERR_NOTSUP : ERR_IO;
}

int plat_sock_peer_addr(plat_sock *s, struct plat_addr *out)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getpeername(s->fd, (struct sockaddr *)&ss, &len) < 0)
        return errno == ENOTCONN ? ERR_CLOSED : ERR_IO;
    addr_store(out, &ss, len);
    return 0;
}

int plat_sock_local_addr(plat_sock *s, struct plat_addr *out)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(s->fd, (struct sockaddr *)&ss, &len) < 0)
        return ERR_IO;
    addr_store(out, &ss, len);
    return 0;
}
