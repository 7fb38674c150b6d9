/* SPDX-License-Identifier: MIT */
/* midge-bench-floor: the cost floor of the latency benchmark. It is not a broker: it
 * speaks just enough MQTT 3.1.1 for midge-bench's stream scenarios (CONNACK, SUBACK with
 * the requested QoS, PUBACK/PUBREC/PUBREL/PUBCOMP, PINGRESP) and forwards the bytes of
 * every PUBLISH it receives, unchanged, to every client that has subscribed, without
 * matching, validation, sessions or queues.
 *
 * What midge-bench measures against it is therefore what loopback TCP, two processes on
 * two CPUs and their wake-ups cost on this machine: a broker cannot be faster than this.
 * bench-compare runs it as the "floor" column of the latency scenario, so that the part of
 * each broker's latency that is its own (broker - floor) can be told from the part that
 * belongs to the machine.
 *
 * Usage: midge-bench-floor PORT (listens on 127.0.0.1 until killed). Like midge-bench it
 * uses epoll directly and lives in tests/bench/ (Linux only). */
#include "common/buf.h"
#include "common/err.h"
#include "common/mqtt_codec.h"
#include "tests/bench/bench_io.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CLIENTS 256u
#define RBUF 65536u

struct fclient {
    int fd;
    bool subscriber;
    bool want_out;
    struct buf in;
    struct buf out;
};

struct floor_srv {
    int ep;
    int lfd;
    struct fclient *c[MAX_CLIENTS];
};

static void die(const char *what)
{
    fprintf(stderr, "midge-bench-floor: %s: %s\n", what, strerror(errno));
    exit(2);
}

static void drop(struct floor_srv *s, struct fclient *c)
{
    for (unsigned i = 0; i < MAX_CLIENTS; i++)
        if (s->c[i] == c)
            s->c[i] = NULL;
    close(c->fd); /* also removes it from the epoll set */
    buf_cleanup(&c->in);
    buf_cleanup(&c->out);
    free(c);
}

/* Write what the socket takes; false if the client is gone (and freed). */
static bool flush(struct floor_srv *s, struct fclient *c)
{
    if (bench_flush(s->ep, c->fd, c, &c->out, &c->want_out) == 0)
        return true;
    drop(s, c);
    return false;
}

static void put_ack(struct buf *out, uint8_t first, const uint8_t *id)
{
    uint8_t pkt[4] = {first, 2, id[0], id[1]};
    buf_append(out, pkt, sizeof pkt);
}

/* SUBACK granting what was asked: the body is a packet id then (filter, options) pairs. */
static void on_subscribe(struct fclient *c, const uint8_t *body, uint32_t len)
{
    if (len < 2)
        return;
    uint8_t codes[64];
    uint32_t n = 0;
    for (uint32_t at = 2; at + 2 <= len && n < sizeof codes;) {
        uint32_t flen = (uint32_t)body[at] << 8 | body[at + 1];
        if (at + 2 + flen >= len)
            break;
        codes[n++] = body[at + 2 + flen] & 3u;
        at += 3 + flen;
    }
    uint8_t hdr[4] = {0x90, (uint8_t)(2 + n), body[0], body[1]};
    buf_append(&c->out, hdr, sizeof hdr);
    buf_append(&c->out, codes, n);
    c->subscriber = true;
}

/* A PUBLISH from a publisher: acknowledge it, copy its bytes to every subscriber. */
static void on_publish(struct floor_srv *s, struct fclient *c, const uint8_t *pkt,
                       const struct mqtt_header *h)
{
    uint8_t qos = (uint8_t)((h->flags >> 1) & 3u);
    const uint8_t *body = pkt + h->hdr_len;
    if (qos > 0 && h->remaining >= 2) {
        uint32_t tlen = (uint32_t)body[0] << 8 | body[1];
        if (2u + tlen + 2u <= h->remaining)
            put_ack(&c->out, qos == 1 ? 0x40 : 0x50, body + 2 + tlen);
    }
    for (unsigned i = 0; i < MAX_CLIENTS; i++)
        if (s->c[i] && s->c[i]->subscriber)
            buf_append(&s->c[i]->out, pkt, (size_t)h->hdr_len + h->remaining);
}

static void on_packet(struct floor_srv *s, struct fclient *c, const uint8_t *pkt,
                      const struct mqtt_header *h)
{
    const uint8_t *body = pkt + h->hdr_len;
    switch (h->type) {
    case MQTT_PKT_CONNECT: {
        static const uint8_t connack[4] = {0x20, 2, 0, 0};
        buf_append(&c->out, connack, sizeof connack);
        break;
    }
    case MQTT_PKT_SUBSCRIBE:
        on_subscribe(c, body, h->remaining);
        break;
    case MQTT_PKT_PUBLISH:
        on_publish(s, c, pkt, h);
        break;
    case MQTT_PKT_PUBREC: /* a subscriber's, for a forwarded QoS 2 message */
        if (h->remaining >= 2)
            put_ack(&c->out, 0x62, body);
        break;
    case MQTT_PKT_PUBREL: /* a publisher's */
        if (h->remaining >= 2)
            put_ack(&c->out, 0x70, body);
        break;
    case MQTT_PKT_PINGREQ: {
        static const uint8_t pingresp[2] = {0xd0, 0};
        buf_append(&c->out, pingresp, sizeof pingresp);
        break;
    }
    default: /* PUBACK and PUBCOMP of subscribers, DISCONNECT: nothing to do */
        break;
    }
}

/* Read everything available and handle each complete packet; false if the client is gone. */
static bool on_readable(struct floor_srv *s, struct fclient *c)
{
    for (;;) {
        uint8_t *dst = buf_reserve(&c->in, RBUF);
        ssize_t r = read(c->fd, dst, RBUF);
        if (r > 0) {
            buf_commit(&c->in, (size_t)r);
            if (r < (ssize_t)RBUF)
                break;
            continue;
        }
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        drop(s, c);
        return false;
    }
    for (;;) {
        struct mqtt_header h;
        int rc = mqtt_codec_decode_header(buf_head(&c->in), buf_size(&c->in), &h);
        if (rc == ERR_AGAIN || (rc == 0 && buf_size(&c->in) < (size_t)h.hdr_len + h.remaining))
            return true;
        if (rc < 0) {
            drop(s, c);
            return false;
        }
        on_packet(s, c, buf_head(&c->in), &h);
        buf_consume(&c->in, (size_t)h.hdr_len + h.remaining);
    }
}

static void on_accept(struct floor_srv *s)
{
    int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK);
    if (fd < 0)
        return;
    unsigned slot = 0;
    while (slot < MAX_CLIENTS && s->c[slot])
        slot++;
    if (slot == MAX_CLIENTS) {
        close(fd);
        return;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct fclient *c = calloc(1, sizeof *c);
    if (!c)
        die("calloc");
    c->fd = fd;
    buf_init(&c->in);
    buf_init(&c->out);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    if (epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev) != 0)
        die("epoll_ctl");
    s->c[slot] = c;
}

static int listen_on(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0)
        die("socket");
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 64) != 0)
        die("bind/listen");
    return fd;
}

int main(int argc, char **argv)
{
    long port = argc == 2 ? strtol(argv[1], NULL, 10) : 0;
    if (port <= 0 || port > 65535) {
        fprintf(stderr, "usage: midge-bench-floor PORT\n");
        return 2;
    }
    struct floor_srv s = {.lfd = listen_on((uint16_t)port)};
    s.ep = epoll_create1(0);
    struct epoll_event lev = {.events = EPOLLIN, .data.ptr = NULL};
    if (s.ep < 0 || epoll_ctl(s.ep, EPOLL_CTL_ADD, s.lfd, &lev) != 0)
        die("epoll");
    for (;;) {
        struct epoll_event evs[64];
        int n = epoll_wait(s.ep, evs, 64, -1);
        if (n < 0 && errno != EINTR)
            die("epoll_wait");
        for (int i = 0; i < n; i++) {
            struct fclient *c = evs[i].data.ptr;
            if (!c)
                on_accept(&s);
            else if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
                (void)on_readable(&s, c);
            else if (evs[i].events & EPOLLOUT)
                (void)flush(&s, c);
        }
        /* One write per client per turn, after the whole batch, as a broker would. */
        for (unsigned i = 0; i < MAX_CLIENTS; i++)
            if (s.c[i] && buf_size(&s.c[i]->out) > 0 && !s.c[i]->want_out)
                (void)flush(&s, s.c[i]);
    }
}
