/* SPDX-License-Identifier: MIT */
/* Windows addresses and non-blocking TCP sockets (Winsock 2): resolve, format, listen,
 * accept, connect, read and write, with WSA errors translated into ERR_* here. */
#include "win32/win32_internal.h"

#include <afunix.h>
#include <stdio.h>
#include <string.h>

_Static_assert(sizeof(struct sockaddr_storage) <= sizeof(((struct plat_addr *)0)->bytes),
               "struct plat_addr must hold any socket address");

static INIT_ONCE wsa_once = INIT_ONCE_STATIC_INIT;
static int wsa_rc;

static BOOL CALLBACK wsa_start(PINIT_ONCE once, PVOID param, PVOID *ctx)
{
    (void)once;
    (void)param;
    (void)ctx;
    WSADATA wd;
    wsa_rc = WSAStartup(MAKEWORD(2, 2), &wd) == 0 ? 0 : ERR_IO;
    return TRUE;
}

int win32__wsa_init(void)
{
    InitOnceExecuteOnce(&wsa_once, wsa_start, NULL, NULL);
    return wsa_rc;
}

static const struct sockaddr *addr_sa(const struct plat_addr *a)
{
    return (const struct sockaddr *)(const void *)a->bytes;
}

static void addr_store(struct plat_addr *out, const void *sa, int len)
{
    memset(out, 0, sizeof *out);
    if (len < 0)
        len = 0;
    if ((size_t)len > sizeof out->bytes)
        len = (int)sizeof out->bytes;
    memcpy(out->bytes, sa, (size_t)len);
    out->len = (uint32_t)len;
}

int plat_net_resolve(const char *host, uint16_t port, enum plat_family fam, bool passive,
                     struct plat_addr *out, int max, struct err_detail *d)
{
    if (max <= 0)
        return err_set(d, ERR_INVAL, NULL, 0, "no room for addresses");
    if (win32__wsa_init() < 0)
        return err_set(d, ERR_IO, NULL, 0, "cannot start Winsock");
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
    const char *what = host ? host : "(wildcard)";
    if (gai != 0)
        return win32__err(d, gai == EAI_MEMORY ? ERR_NOMEM : ERR_NOTFOUND, (DWORD)gai, what);
    int n = 0;
    for (struct addrinfo *ai = res; ai && n < max; ai = ai->ai_next) {
        if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
            continue;
        addr_store(&out[n++], ai->ai_addr, (int)ai->ai_addrlen);
    }
    freeaddrinfo(res);
    if (n == 0)
        return err_set(d, ERR_NOTFOUND, NULL, 0, "%s: no usable address", what);
    return n;
}

const char *plat_addr_format(const struct plat_addr *a, char *out, size_t outlen)
{
    if (outlen == 0)
        return out;
    out[0] = '\0';
    if (a->len < sizeof(ADDRESS_FAMILY))
        return out;
    const struct sockaddr *sa = addr_sa(a);
    if (sa->sa_family == AF_UNIX) {
        const SOCKADDR_UN *un = (const SOCKADDR_UN *)(const void *)a->bytes;
        snprintf(out, outlen, "unix:%.*s", (int)sizeof un->sun_path, un->sun_path);
        return out;
    }
    char host[NI_MAXHOST];
    char serv[NI_MAXSERV];
    if (getnameinfo(sa, (socklen_t)a->len, host, sizeof host, serv, sizeof serv,
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
    if (a->len < sizeof(ADDRESS_FAMILY))
        return PLAT_AF_ANY;
    switch (addr_sa(a)->sa_family) {
    case AF_INET:
        return PLAT_AF_INET;
    case AF_INET6:
        return PLAT_AF_INET6;
    default:
        return PLAT_AF_ANY;
    }
}

/* WSA error of bind/listen/socket to ERR_*. */
static int bind_err(int e)
{
    switch (e) {
    case WSAEADDRINUSE:
        return ERR_ADDRINUSE;
    case WSAEADDRNOTAVAIL:
    case WSAEAFNOSUPPORT:
        return ERR_ADDRNOTAVAIL;
    case WSAEACCES:
        return ERR_PERM;
    default:
        return ERR_IO;
    }
}

static int set_int_opt(SOCKET s, int level, int name, int value)
{
    return setsockopt(s, level, name, (const char *)&value, (int)sizeof value);
}

/* A non-blocking, non-inheritable stream socket of the given family. */
static SOCKET new_socket(int family)
{
    int proto = family == AF_UNIX ? 0 : IPPROTO_TCP;
    SOCKET s = WSASocketW(family, SOCK_STREAM, proto, NULL, 0, WSA_FLAG_NO_HANDLE_INHERIT);
    u_long nb = 1;
    if (s != INVALID_SOCKET && ioctlsocket(s, FIONBIO, &nb) != 0) {
        int e = WSAGetLastError();
        closesocket(s);
        WSASetLastError(e);
        return INVALID_SOCKET;
    }
    return s;
}

int plat_sock_listen(plat_loop *loop, const struct plat_addr *a, int backlog, plat_sock **out,
                     struct err_detail *d)
{
    char text[INET6_ADDRSTRLEN + 16];
    plat_addr_format(a, text, sizeof text);
    int family = addr_sa(a)->sa_family;
    SOCKET s = new_socket(family);
    if (s == INVALID_SOCKET)
        return win32__err(d, bind_err(WSAGetLastError()), (DWORD)WSAGetLastError(), text);
    /* SO_REUSEADDR on Windows lets another process steal a bound port; the safe
     * equivalent of the POSIX behaviour is SO_EXCLUSIVEADDRUSE (TIME_WAIT does not block
     * a rebind on Windows anyway). */
    if (family != AF_UNIX && set_int_opt(s, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, 1) != 0)
        goto fail;
    if (family == AF_INET6 && set_int_opt(s, IPPROTO_IPV6, IPV6_V6ONLY, 1) != 0)
        goto fail;
    if (bind(s, addr_sa(a), (int)a->len) != 0)
        goto fail;
    if (listen(s, backlog > 0 ? backlog : SOMAXCONN) != 0)
        goto fail;
    *out = win32__sock_new(loop, s);
    return 0;
fail:;
    int e = WSAGetLastError();
    closesocket(s);
    return win32__err(d, bind_err(e), (DWORD)e, text);
}

int plat_sock_accept(plat_sock *listener, plat_sock **out, struct plat_addr *peer)
{
    struct sockaddr_storage ss;
    for (;;) {
        int len = (int)sizeof ss;
        SOCKET s = accept(listener->fd, (struct sockaddr *)&ss, &len);
        if (s != INVALID_SOCKET) {
            /* Accepted sockets inherit non-blocking mode; handle inheritance is cleared
             * so that child processes never hold client connections open. */
            u_long nb = 1;
            ioctlsocket(s, FIONBIO, &nb);
            SetHandleInformation((HANDLE)s, HANDLE_FLAG_INHERIT, 0);
            if (peer)
                addr_store(peer, &ss, len);
            *out = win32__sock_new(listener->loop, s);
            return 0;
        }
        switch (WSAGetLastError()) {
        case WSAEWOULDBLOCK:
            return ERR_AGAIN;
        case WSAEINTR:
        case WSAECONNRESET: /* that one is gone; try the next */
        case WSAECONNABORTED:
            continue;
        case WSAEMFILE:
        case WSAENOBUFS:
            return ERR_LIMIT;
        default:
            return ERR_IO;
        }
    }
}

static int connect_err(int e)
{
    switch (e) {
    case WSAECONNREFUSED:
        return ERR_REFUSED;
    case WSAETIMEDOUT:
        return ERR_TIMEOUT;
    case WSAEADDRNOTAVAIL:
    case WSAENETUNREACH:
    case WSAEHOSTUNREACH:
    case WSAEAFNOSUPPORT:
        return ERR_ADDRNOTAVAIL;
    case WSAEACCES:
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
    SOCKET s = new_socket(addr_sa(a)->sa_family);
    if (s == INVALID_SOCKET)
        return win32__err(d, connect_err(WSAGetLastError()), (DWORD)WSAGetLastError(), text);
    if (bind_to && bind(s, addr_sa(bind_to), (int)bind_to->len) != 0) {
        int e = WSAGetLastError();
        closesocket(s);
        plat_addr_format(bind_to, text, sizeof text);
        return win32__err(d, e == WSAEADDRNOTAVAIL ? ERR_ADDRNOTAVAIL : ERR_IO, (DWORD)e, text);
    }
    if (connect(s, addr_sa(a), (int)a->len) != 0 && WSAGetLastError() != WSAEWOULDBLOCK) {
        int e = WSAGetLastError();
        closesocket(s);
        return win32__err(d, connect_err(e), (DWORD)e, text);
    }
    *out = win32__sock_new(loop, s);
    return 0;
}

int plat_sock_connect_result(plat_sock *s)
{
    int e = 0;
    int len = (int)sizeof e;
    if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, (char *)&e, &len) != 0)
        return ERR_IO;
    return e == 0 ? 0 : connect_err(e);
}

static int io_err(int e)
{
    switch (e) {
    case WSAEWOULDBLOCK:
        return ERR_AGAIN;
    case WSAECONNRESET:
    case WSAECONNABORTED:
    case WSAENOTCONN:
    case WSAESHUTDOWN:
    case WSAETIMEDOUT:
    case WSAENETRESET:
        return ERR_CLOSED;
    default:
        return ERR_IO;
    }
}

/* Winsock takes int lengths; larger requests are served in parts. */
static int io_len(size_t len)
{
    return len > INT_MAX ? INT_MAX : (int)len;
}

long plat_sock_read(plat_sock *s, void *buf, size_t len)
{
    if (len == 0)
        return ERR_INVAL; /* 0 would be indistinguishable from end of stream */
    if (s->pipe)
        return win32__pipe_read(s, buf, len);
    int n = recv(s->fd, buf, io_len(len), 0);
    if (n > 0)
        return (long)n;
    if (n == 0)
        return ERR_CLOSED;
    return io_err(WSAGetLastError());
}

long plat_sock_write(plat_sock *s, const void *buf, size_t len)
{
    if (len == 0)
        return 0;
    if (s->pipe)
        return win32__pipe_write(s, buf, len);
    int n = send(s->fd, buf, io_len(len), 0); /* Windows has no SIGPIPE */
    if (n >= 0)
        return (long)n;
    return io_err(WSAGetLastError());
}

int plat_sock_set_nodelay(plat_sock *s, bool on)
{
    if (set_int_opt(s->fd, IPPROTO_TCP, TCP_NODELAY, on ? 1 : 0) == 0)
        return 0;
    return WSAGetLastError() == WSAENOPROTOOPT ? ERR_NOTSUP : ERR_IO;
}

int plat_sock_peer_addr(plat_sock *s, struct plat_addr *out)
{
    struct sockaddr_storage ss;
    int len = (int)sizeof ss;
    if (getpeername(s->fd, (struct sockaddr *)&ss, &len) != 0)
        return WSAGetLastError() == WSAENOTCONN ? ERR_CLOSED : ERR_IO;
    addr_store(out, &ss, len);
    return 0;
}

int plat_sock_local_addr(plat_sock *s, struct plat_addr *out)
{
    struct sockaddr_storage ss;
    int len = (int)sizeof ss;
    if (getsockname(s->fd, (struct sockaddr *)&ss, &len) != 0)
        return ERR_IO;
    addr_store(out, &ss, len);
    return 0;
}
