/* SPDX-License-Identifier: MIT */
/* midge-bench scenarios about connections and broker memory: idle connections (connect
 * rate, broker RSS per connection), retained messages delivered to a fresh '#' subscriber
 * (delivery time, broker RSS per retained message) and many connections that each publish
 * 1 msg/s to their own topic and receive it back (broker CPU and RSS). Every delivery is
 * validated (run tag, publisher id, sequence); loss or duplicates make the run fail.
 *
 * Broker figures come from /proc/PID/status (VmRSS) and /proc/PID/stat (utime + stime)
 * of --broker-pid. Per-client state is kept small (a shared read buffer, buffers freed
 * when empty) so that 20k clients cost the generator little. The per-process descriptor
 * limit is raised to its hard limit; the conns scenario forks workers of at most
 * CONNS_PER_PROC clients so that each stays below a hard limit of 20000. */
#include "tests/bench/bench_conns.h"

#include "common/buf.h"
#include "common/err.h"
#include "common/mqtt_codec.h"
#include "tests/bench/bench_io.h"
#include "tests/bench/bench_proc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAGIC 0x4d424e43u /* "MBNC", as in midge_bench.c */
#define HDR_LEN 20u       /* magic, tag/publisher, sequence, timestamp */
#define CONNS_PER_PROC 9000u
#define DRAIN_IDLE_NS 3000000000ull
#define RBUF 65536u

enum cc_state { CC_CONNECTING, CC_SUBSCRIBING, CC_READY };

struct cc {
    int fd;
    uint8_t state;
    bool want_out;
    uint32_t gid; /* global client number (conns: also its topic and publisher id) */
    struct buf in;
    struct buf out;
    uint32_t next_seq; /* conns: next sequence to publish */
    int64_t last;      /* conns: highest sequence received back */
};

struct copts {
    const char *host;
    uint16_t port;
    const char *scenario;
    uint32_t conns;
    uint32_t messages;
    double seconds;
    uint32_t size;
    uint32_t window; /* connects awaiting CONNACK */
    int broker_pid;
    uint32_t timeout_s;
};

struct cbench {
    struct copts o;
    int ep;
    struct cc *c;
    uint32_t n, first_gid, total; /* clients here, first global id, clients overall */
    struct sockaddr_in dst, src;
    uint32_t opened, pending, ready;
    uint64_t pongs, recv, uniq, dup, reord, foreign, sent;
    uint8_t *seen; /* retained: one flag per message */
    uint32_t tag;
    uint64_t deadline_ns, last_rx_ns;
    char base[48];
};

/* What a conns worker reports to the parent through its pipe. */
struct conns_result {
    uint64_t sent, uniq, dup, reord, foreign;
    uint64_t connect_ns;
};

static uint8_t rbuf[RBUF];

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
    fprintf(stderr, "midge-bench: %s: %s\n", what, strerror(errno));
    exit(2);
}

static void fail(const char *what)
{
    fprintf(stderr, "midge-bench: %s\n", what);
    exit(2);
}

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ---- client I/O --------------------------------------------------------------------- */

/* Write queued output; arm EPOLLOUT while some is left, free the buffer when empty. */
static void flush(struct cbench *b, struct cc *c)
{
    if (bench_flush(b->ep, c->fd, c, &c->out, &c->want_out) < 0)
        die("write");
    if (buf_size(&c->out) == 0)
        buf_reset(&c->out, 1024);
}

static void send_pkt(struct cbench *b, struct cc *c, const struct mqtt_packet *p)
{
    if (mqtt_codec_encode(&c->out, p, MQTT_V311) < 0)
        fail("cannot encode a packet");
    if (!c->want_out)
        flush(b, c);
}

static void send_simple(struct cbench *b, struct cc *c, uint8_t type, uint16_t pid)
{
    struct mqtt_packet p = {.type = type};
    p.u.ack.packet_id = pid;
    send_pkt(b, c, &p);
}

static void own_topic(const struct cbench *b, uint32_t gid, char *out, size_t len)
{
    snprintf(out, len, "%s/c/%u", b->base, gid);
}

static void subscribe(struct cbench *b, struct cc *c, const char *filter, uint8_t qos)
{
    struct buf entries;
    buf_init(&entries);
    struct mqtt_sub_entry e = {.qos = qos};
    e.filter.p = (const uint8_t *)filter;
    e.filter.len = (uint16_t)strlen(filter);
    mqtt_codec_put_sub_entry(&entries, &e, MQTT_V311);
    struct mqtt_packet s = {.type = MQTT_PKT_SUBSCRIBE};
    s.u.subscribe.packet_id = 1;
    s.u.subscribe.entries = buf_head(&entries);
    s.u.subscribe.entries_len = (uint32_t)buf_size(&entries);
    s.u.subscribe.count = 1;
    send_pkt(b, c, &s);
    buf_cleanup(&entries);
}

/* Publish one benchmark payload (tag, sequence, send time) to topic at QoS 0. */
static void publish(struct cbench *b, struct cc *c, const char *topic, uint32_t tag, uint32_t seq,
                    bool retain)
{
    uint8_t payload[1024];
    uint64_t now = now_ns();
    memset(payload, 'x', b->o.size);
    put_u32(payload, MAGIC);
    put_u32(payload + 4, tag);
    put_u32(payload + 8, seq);
    put_u32(payload + 12, (uint32_t)(now >> 32));
    put_u32(payload + 16, (uint32_t)now);
    struct mqtt_packet p = {.type = MQTT_PKT_PUBLISH};
    p.u.publish.retain = retain;
    p.u.publish.topic.p = (const uint8_t *)topic;
    p.u.publish.topic.len = (uint16_t)strlen(topic);
    p.u.publish.payload = payload;
    p.u.publish.payload_len = b->o.size;
    send_pkt(b, c, &p);
    b->sent++;
}

/* A delivered PUBLISH: retained copies are checked against the bitmap, conns echoes
 * against the client's own sequence (QoS 0 on one topic keeps order). */
static void on_publish(struct cbench *b, struct cc *c, const struct mqtt_publish *pb)
{
    if (pb->qos == 1)
        send_simple(b, c, MQTT_PKT_PUBACK, pb->packet_id);
    else if (pb->qos == 2)
        send_simple(b, c, MQTT_PKT_PUBREC, pb->packet_id);
    if (pb->payload_len < HDR_LEN || get_u32(pb->payload) != MAGIC) {
        b->foreign++;
        return;
    }
    uint32_t tag = get_u32(pb->payload + 4), seq = get_u32(pb->payload + 8);
    b->recv++;
    b->last_rx_ns = now_ns();
    if (b->seen) {
        if (tag != b->tag || seq >= b->o.messages || !pb->retain) {
            b->foreign++;
        } else if (b->seen[seq]) {
            b->dup++;
        } else {
            b->seen[seq] = 1;
            b->uniq++;
        }
        return;
    }
    if (tag != c->gid) {
        b->foreign++;
    } else if ((int64_t)seq > c->last) {
        b->uniq++;
        if ((int64_t)seq != c->last + 1)
            b->reord++; /* a gap: counted as lost at the end unless it turns up */
        c->last = seq;
    } else {
        b->dup++;
    }
}

static void on_connack(struct cbench *b, struct cc *c, const struct mqtt_packet *p)
{
    if (p->u.connack.reason != 0) {
        fprintf(stderr, "midge-bench: CONNACK refused (%u) for client %u\n", p->u.connack.reason,
                c->gid);
        exit(2);
    }
    b->pending--;
    if (strcmp(b->o.scenario, "conns") == 0) {
        char t[96];
        own_topic(b, c->gid, t, sizeof t);
        subscribe(b, c, t, 0);
        c->state = CC_SUBSCRIBING;
        return;
    }
    c->state = CC_READY;
    b->ready++;
}

static void on_packet(struct cbench *b, struct cc *c, const struct mqtt_packet *p)
{
    switch (p->type) {
    case MQTT_PKT_CONNACK:
        on_connack(b, c, p);
        break;
    case MQTT_PKT_SUBACK:
        if (p->u.suback.count < 1 || p->u.suback.codes[0] == MQTT_SUBACK_FAILURE)
            fail("SUBSCRIBE refused");
        c->state = CC_READY;
        b->ready++;
        break;
    case MQTT_PKT_PINGRESP:
        b->pongs++;
        break;
    case MQTT_PKT_PUBLISH:
        on_publish(b, c, &p->u.publish);
        break;
    case MQTT_PKT_PUBREL:
        send_simple(b, c, MQTT_PKT_PUBCOMP, p->u.ack.packet_id);
        break;
    default:
        break;
    }
}

/* Decode every complete packet in data[0..len); returns the bytes used. */
static size_t parse(struct cbench *b, struct cc *c, const uint8_t *data, size_t len)
{
    size_t off = 0;
    for (;;) {
        struct mqtt_header h;
        int rc = mqtt_codec_decode_header(data + off, len - off, &h);
        if (rc == ERR_AGAIN)
            return off;
        if (rc < 0)
            fail("malformed packet from broker");
        if (len - off < (size_t)h.hdr_len + h.remaining)
            return off;
        struct mqtt_packet p;
        struct err_detail d;
        memset(&d, 0, sizeof d);
        if (mqtt_codec_decode(&h, data + off + h.hdr_len, MQTT_V311, &p, &d) < 0)
            fail("cannot decode a packet from broker");
        on_packet(b, c, &p);
        off += (size_t)h.hdr_len + h.remaining;
    }
}

static void on_readable(struct cbench *b, struct cc *c)
{
    for (;;) {
        ssize_t r = read(c->fd, rbuf, sizeof rbuf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (r <= 0) {
            fprintf(stderr, "midge-bench: broker closed connection %u (%s)\n", c->gid,
                    r < 0 ? strerror(errno) : "EOF");
            exit(2);
        }
        if (buf_size(&c->in) == 0) {
            size_t used = parse(b, c, rbuf, (size_t)r);
            if (used < (size_t)r)
                buf_append(&c->in, rbuf + used, (size_t)r - used);
        } else {
            buf_append(&c->in, rbuf, (size_t)r);
            buf_consume(&c->in, parse(b, c, buf_head(&c->in), buf_size(&c->in)));
            if (buf_size(&c->in) == 0)
                buf_reset(&c->in, 0);
        }
        if ((size_t)r < sizeof rbuf)
            return;
    }
}

/* Start one non-blocking connect (from b->src, so that runs do not reuse the 4-tuples
 * of earlier runs still in TIME_WAIT) with its CONNECT queued behind it. */
static void open_one(struct cbench *b, struct cc *c)
{
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0)
        die("socket");
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (b->src.sin_addr.s_addr != 0) {
        setsockopt(c->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        if (bind(c->fd, (const struct sockaddr *)&b->src, sizeof b->src) != 0)
            die("bind");
    }
    if (connect(c->fd, (const struct sockaddr *)&b->dst, sizeof b->dst) != 0 &&
        errno != EINPROGRESS)
        die("connect");
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
    if (epoll_ctl(b->ep, EPOLL_CTL_ADD, c->fd, &ev) != 0)
        die("epoll_ctl");
    c->want_out = true; /* CONNECT goes out once the connect completes */
    char cid[48];
    snprintf(cid, sizeof cid, "mbc%d-%u", (int)getpid() % 100000, c->gid);
    struct mqtt_packet p = {.type = MQTT_PKT_CONNECT};
    p.u.connect.clean_start = true;
    p.u.connect.client_id.p = (const uint8_t *)cid;
    p.u.connect.client_id.len = (uint16_t)strlen(cid);
    send_pkt(b, c, &p);
    b->opened++;
    b->pending++;
}

/* One round of the event loop: open connections while the connect window has room,
 * then handle what is ready (waiting at most timeout_ms). */
static void step(struct cbench *b, int timeout_ms)
{
    struct epoll_event evs[256];
    while (b->opened < b->n && b->pending < b->o.window)
        open_one(b, &b->c[b->opened]);
    int n = epoll_wait(b->ep, evs, 256, timeout_ms);
    if (n < 0 && errno != EINTR)
        die("epoll_wait");
    for (int i = 0; i < n; i++) {
        struct cc *c = evs[i].data.ptr;
        if (evs[i].events & EPOLLERR) {
            int err = 0;
            socklen_t el = sizeof err;
            getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
            errno = err;
            die("connection error");
        }
        if (evs[i].events & (EPOLLIN | EPOLLHUP))
            on_readable(b, c);
        if (evs[i].events & EPOLLOUT)
            flush(b, c);
    }
    if (now_ns() > b->deadline_ns)
        fail("run timed out");
}

/* Open every client of this process and wait until all are READY; returns the time taken. */
static uint64_t connect_all(struct cbench *b)
{
    uint64_t t0 = now_ns();
    while (b->ready < b->n)
        step(b, 10);
    return now_ns() - t0;
}

/* PINGREQ on every client and wait for all PINGRESPs: proves each connection is alive,
 * and (sent after other packets) that the broker has processed everything before it. */
static void ping_all(struct cbench *b)
{
    uint64_t want = b->pongs + b->n;
    for (uint32_t i = 0; i < b->n; i++)
        send_simple(b, &b->c[i], MQTT_PKT_PINGREQ, 0);
    while (b->pongs < want)
        step(b, 10);
}

static void disconnect_all(struct cbench *b)
{
    for (uint32_t i = 0; i < b->n; i++) {
        struct cc *c = &b->c[i];
        struct mqtt_packet d = {.type = MQTT_PKT_DISCONNECT};
        buf_reset(&c->out, 0);
        mqtt_codec_encode(&c->out, &d, MQTT_V311);
        (void)!write(c->fd, buf_head(&c->out), buf_size(&c->out));
        close(c->fd);
        buf_cleanup(&c->in);
        buf_cleanup(&c->out);
    }
}

/* Disconnect every client, then free the client array and the epoll set. */
static void teardown(struct cbench *b)
{
    disconnect_all(b);
    free(b->c);
    b->c = NULL;
    close(b->ep);
}

/* Allocate n clients numbered from first_gid, and the epoll set. */
static void setup(struct cbench *b, uint32_t first_gid, uint32_t n)
{
    b->n = n;
    b->first_gid = first_gid;
    b->c = calloc(n ? n : 1u, sizeof *b->c);
    b->ep = epoll_create1(EPOLL_CLOEXEC);
    if (!b->c || b->ep < 0)
        die("setup");
    for (uint32_t i = 0; i < n; i++) {
        b->c[i].gid = first_gid + i;
        b->c[i].last = -1;
        buf_init(&b->c[i].in);
        buf_init(&b->c[i].out);
    }
    /* A source address of 127.x.y.1 picked per process keeps 4-tuples fresh. */
    if ((ntohl(b->dst.sin_addr.s_addr) >> 24) == 127u) {
        uint32_t r = (uint32_t)getpid() * 2654435761u ^ (uint32_t)now_ns();
        b->src.sin_family = AF_INET;
        b->src.sin_addr.s_addr =
            htonl(0x7f000001u | ((1u + r % 250u) << 16) | (((r >> 8) % 256u) << 8));
    }
}

/* ---- scenarios ---------------------------------------------------------------------- */

static int run_idle(struct cbench *b)
{
    uint32_t n = b->o.conns;
    setup(b, 0, n);
    uint64_t rss0 = bench_proc_rss_kb(b->o.broker_pid);
    uint64_t dt = connect_all(b);
    ping_all(b);
    uint64_t rss1 = bench_proc_rss_kb(b->o.broker_pid);
    double secs = (double)dt / 1e9;
    double per = rss1 > rss0 ? (double)(rss1 - rss0) * 1024.0 / n : 0;
    printf("scenario=idle conns=%u seconds=%.3f connects_per_s=%.0f rss_before_kb=%llu "
           "rss_after_kb=%llu bytes_per_conn=%.0f pongs=%llu\n",
           n, secs, secs > 0 ? n / secs : 0, (unsigned long long)rss0, (unsigned long long)rss1,
           per, (unsigned long long)b->pongs);
    printf("# idle: %u connections in %.2f s = %.0f connects/s; broker RSS %llu -> %llu kB "
           "= %.0f bytes per connection; all %u answered PINGREQ\n",
           n, secs, secs > 0 ? n / secs : 0, (unsigned long long)rss0, (unsigned long long)rss1,
           per, n);
    teardown(b);
    return 0;
}

/* Publish the retained set from client 0 and wait (PINGREQ barrier) until it is stored. */
static void store_retained(struct cbench *b)
{
    char topic[96];
    for (uint32_t i = 0; i < b->o.messages; i++) {
        snprintf(topic, sizeof topic, "%s/r/%u", b->base, i);
        publish(b, &b->c[0], topic, b->tag, i, true);
        while (buf_size(&b->c[0].out) > 65536)
            step(b, 10);
    }
    ping_all(b);
}

static int run_retained(struct cbench *b)
{
    setup(b, 0, 1);
    b->seen = calloc(b->o.messages ? b->o.messages : 1u, 1);
    if (!b->seen)
        die("calloc");
    uint64_t rss0 = bench_proc_rss_kb(b->o.broker_pid);
    connect_all(b);
    store_retained(b);
    uint64_t rss1 = bench_proc_rss_kb(b->o.broker_pid);
    /* The fresh subscriber: a second client, set up like the first. */
    struct cc *pubc = b->c;
    struct cc *sub = calloc(1, sizeof *sub);
    if (!sub)
        die("calloc");
    b->c = sub;
    b->n = 1;
    b->opened = b->ready = 0;
    sub->gid = 1;
    buf_init(&sub->in);
    buf_init(&sub->out);
    connect_all(b);
    uint64_t t0 = now_ns();
    b->last_rx_ns = t0;
    subscribe(b, sub, "#", 0);
    while (b->uniq < b->o.messages && now_ns() - b->last_rx_ns < DRAIN_IDLE_NS)
        step(b, 10);
    double secs = (double)((b->uniq ? b->last_rx_ns : now_ns()) - t0) / 1e9;
    uint64_t lost = b->o.messages - b->uniq;
    double per = rss1 > rss0 ? (double)(rss1 - rss0) * 1024.0 / b->o.messages : 0;
    printf("scenario=retained size=%u retained=%u msgs=%llu seconds=%.3f msgs_per_s=%.0f "
           "lost=%llu dup=%llu foreign=%llu rss_before_kb=%llu rss_after_kb=%llu "
           "bytes_per_msg=%.0f\n",
           b->o.size, b->o.messages, (unsigned long long)b->uniq, secs,
           secs > 0 ? (double)b->uniq / secs : 0, (unsigned long long)lost,
           (unsigned long long)b->dup, (unsigned long long)b->foreign, (unsigned long long)rss0,
           (unsigned long long)rss1, per);
    printf("# retained: %u stored (broker RSS %llu -> %llu kB, %.0f bytes each); a fresh '#' "
           "subscriber got %llu in %.3f s, lost %llu, dup %llu\n",
           b->o.messages, (unsigned long long)rss0, (unsigned long long)rss1, per,
           (unsigned long long)b->uniq, secs, (unsigned long long)lost, (unsigned long long)b->dup);
    disconnect_all(b);
    free(sub);
    b->c = pubc;
    teardown(b);
    free(b->seen);
    if (lost || b->dup) {
        fprintf(stderr, "midge-bench: FAIL: retained delivery lost %llu, dup %llu\n",
                (unsigned long long)lost, (unsigned long long)b->dup);
        return 1;
    }
    return 0;
}

/* A conns worker: connect, report ready, wait for the start time, publish each client's
 * message once a second (spread evenly over the second), drain, report. */
static void conns_worker(struct cbench *b, int go_fd, int res_fd)
{
    struct conns_result r = {0};
    r.connect_ns = connect_all(b);
    if (write(res_fd, "R", 1) != 1)
        die("pipe");
    uint64_t start;
    if (read(go_fd, &start, sizeof start) != (ssize_t)sizeof start)
        die("pipe");
    uint64_t end = start + (uint64_t)(b->o.seconds * 1e9), cursor = 0;
    char topic[96];
    for (;;) {
        uint64_t now = now_ns();
        for (;;) {
            uint32_t i = (uint32_t)(cursor % b->n);
            uint64_t k = cursor / b->n;
            uint64_t due =
                start + k * 1000000000ull + (uint64_t)(b->first_gid + i) * 1000000000ull / b->total;
            if (due > now || due >= end)
                break;
            own_topic(b, b->c[i].gid, topic, sizeof topic);
            publish(b, &b->c[i], topic, b->c[i].gid, b->c[i].next_seq++, false);
            cursor++;
        }
        if (now >= end)
            break;
        step(b, 1);
    }
    b->last_rx_ns = now_ns();
    while (b->uniq + b->dup < b->sent && now_ns() - b->last_rx_ns < DRAIN_IDLE_NS)
        step(b, 10);
    r.sent = b->sent;
    r.uniq = b->uniq;
    r.dup = b->dup;
    r.reord = b->reord;
    r.foreign = b->foreign;
    if (write(res_fd, &r, sizeof r) != (ssize_t)sizeof r)
        die("pipe");
    teardown(b);
}

/* Sum the workers' results and reap them; returns 2 if one failed, else 0. */
static int collect_workers(uint32_t procs, int res[][2], const pid_t *kids,
                           struct conns_result *sum)
{
    int bad = 0;
    for (uint32_t p = 0; p < procs; p++) {
        struct conns_result r;
        if (read(res[p][0], &r, sizeof r) != (ssize_t)sizeof r) {
            bad = 2;
            continue;
        }
        sum->sent += r.sent;
        sum->uniq += r.uniq;
        sum->dup += r.dup;
        sum->reord += r.reord;
        sum->foreign += r.foreign;
    }
    for (uint32_t p = 0; p < procs; p++) {
        int st = 0;
        waitpid(kids[p], &st, 0);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
            bad = 2;
    }
    return bad;
}

/* Fork procs workers, each with its share of the connections (CONNS_PER_PROC at most):
 * go[p] starts its traffic, res[p] carries its "connected" byte and then its result. */
static void start_workers(struct cbench *b, uint32_t procs, int go[][2], int res[][2], pid_t *kids)
{
    uint32_t total = b->o.conns;
    for (uint32_t p = 0; p < procs; p++) {
        if (pipe(go[p]) != 0 || pipe(res[p]) != 0)
            die("pipe");
        kids[p] = fork();
        if (kids[p] < 0)
            die("fork");
        if (kids[p] == 0) {
            uint32_t first = p * CONNS_PER_PROC, n = total - first;
            b->total = total;
            setup(b, first, n < CONNS_PER_PROC ? n : CONNS_PER_PROC);
            conns_worker(b, go[p][0], res[p][1]);
            _exit(0);
        }
    }
}

static int run_conns(struct cbench *b)
{
    uint32_t total = b->o.conns, procs = (total + CONNS_PER_PROC - 1) / CONNS_PER_PROC;
    int go[16][2], res[16][2];
    pid_t kids[16];
    if (procs > 16)
        fail("--conns too large");
    uint64_t rss0 = bench_proc_rss_kb(b->o.broker_pid);
    start_workers(b, procs, go, res, kids);
    char ch;
    uint64_t t0 = now_ns();
    for (uint32_t p = 0; p < procs; p++)
        if (read(res[p][0], &ch, 1) != 1)
            fail("a worker failed while connecting");
    double connect_s = (double)(now_ns() - t0) / 1e9;
    uint64_t rss_idle = bench_proc_rss_kb(b->o.broker_pid);
    double cpu0 = bench_proc_cpu_s(b->o.broker_pid);
    uint64_t start = now_ns() + 50000000ull;
    for (uint32_t p = 0; p < procs; p++)
        if (write(go[p][1], &start, sizeof start) != (ssize_t)sizeof start)
            die("pipe");
    bench_sleep_until(start + (uint64_t)(b->o.seconds * 1e9));
    double cpu1 = bench_proc_cpu_s(b->o.broker_pid);
    uint64_t rss_load = bench_proc_rss_kb(b->o.broker_pid);
    struct conns_result sum = {0};
    int bad = collect_workers(procs, res, kids, &sum);
    uint64_t lost = sum.sent - sum.uniq;
    double cpu_pct = b->o.seconds > 0 ? (cpu1 - cpu0) * 100.0 / b->o.seconds : 0;
    printf("scenario=conns conns=%u seconds=%.1f sent=%llu msgs=%llu lost=%llu dup=%llu "
           "gaps=%llu connect_s=%.3f connects_per_s=%.0f rss_before_kb=%llu rss_idle_kb=%llu "
           "rss_load_kb=%llu broker_cpu_pct=%.1f\n",
           total, b->o.seconds, (unsigned long long)sum.sent, (unsigned long long)sum.uniq,
           (unsigned long long)lost, (unsigned long long)sum.dup, (unsigned long long)sum.reord,
           connect_s, connect_s > 0 ? total / connect_s : 0, (unsigned long long)rss0,
           (unsigned long long)rss_idle, (unsigned long long)rss_load, cpu_pct);
    printf("# conns: %u connections (%u workers) each publishing 1 msg/s to its own topic for "
           "%.1f s: %llu sent, %llu back, lost %llu, dup %llu; broker CPU %.1f %%, RSS %llu kB "
           "(%llu kB before connecting)\n",
           total, procs, b->o.seconds, (unsigned long long)sum.sent, (unsigned long long)sum.uniq,
           (unsigned long long)lost, (unsigned long long)sum.dup, cpu_pct,
           (unsigned long long)rss_load, (unsigned long long)rss0);
    if (bad)
        return bad;
    if (lost || sum.dup || sum.foreign) {
        fprintf(stderr, "midge-bench: FAIL: conns lost %llu, dup %llu, foreign %llu\n",
                (unsigned long long)lost, (unsigned long long)sum.dup,
                (unsigned long long)sum.foreign);
        return 1;
    }
    return 0;
}

/* ---- options ------------------------------------------------------------------------ */

static const char *scenario_of(int argc, char **argv)
{
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], "--scenario") == 0)
            return argv[i + 1];
    for (int i = 1; i < argc; i++)
        if (strncmp(argv[i], "--scenario=", 11) == 0)
            return argv[i] + 11;
    return "";
}

bool bench_conns_selected(int argc, char **argv)
{
    const char *s = scenario_of(argc, argv);
    return strcmp(s, "idle") == 0 || strcmp(s, "retained") == 0 || strcmp(s, "conns") == 0;
}

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: midge-bench --scenario idle|retained|conns [options]\n"
            "  --host ADDR --port PORT   broker (127.0.0.1:1883)\n"
            "  --conns N                 idle: connections (10000); conns: (20000)\n"
            "  --messages N              retained: retained messages (100000)\n"
            "  --seconds S               conns: publishing time (10)\n"
            "  --size BYTES              payload size, %u..1024 (64)\n"
            "  --window W                connects awaiting CONNACK at once (100)\n"
            "  --broker-pid PID          read the broker's RSS and CPU from /proc\n"
            "  --timeout S               hard limit on the run (120)\n",
            HDR_LEN);
}

static void parse_args(struct copts *o, int argc, char **argv)
{
    static const struct option lo[] = {
        {"host", 1, 0, 'H'},    {"port", 1, 0, 'p'},     {"scenario", 1, 0, 's'},
        {"conns", 1, 0, 'c'},   {"messages", 1, 0, 'm'}, {"seconds", 1, 0, 't'},
        {"size", 1, 0, 'z'},    {"window", 1, 0, 'w'},   {"broker-pid", 1, 0, 'b'},
        {"timeout", 1, 0, 'T'}, {"help", 0, 0, 'h'},     {0, 0, 0, 0}};
    long conns = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (ch) {
        case 'H':
            o->host = optarg;
            break;
        case 'p':
            o->port = (uint16_t)strtoul(optarg, NULL, 10);
            break;
        case 's':
            o->scenario = optarg;
            break;
        case 'c':
            conns = strtol(optarg, NULL, 10);
            break;
        case 'm':
            o->messages = (uint32_t)strtoul(optarg, NULL, 10);
            break;
        case 't':
            o->seconds = strtod(optarg, NULL);
            break;
        case 'z':
            o->size = (uint32_t)strtoul(optarg, NULL, 10);
            break;
        case 'w':
            o->window = (uint32_t)strtoul(optarg, NULL, 10);
            break;
        case 'b':
            o->broker_pid = (int)strtol(optarg, NULL, 10);
            break;
        case 'T':
            o->timeout_s = (uint32_t)strtoul(optarg, NULL, 10);
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            exit(2);
        }
    }
    o->conns = conns > 0 ? (uint32_t)conns : strcmp(o->scenario, "idle") == 0 ? 10000u : 20000u;
    if (o->size < HDR_LEN || o->size > 1024 || o->window < 1 || o->port == 0 || o->messages < 1 ||
        o->seconds <= 0 || o->conns > 16u * CONNS_PER_PROC) {
        fprintf(stderr, "midge-bench: bad --size, --window, --messages, --seconds, "
                        "--conns or --port\n");
        exit(2);
    }
}

int bench_conns_main(int argc, char **argv)
{
    struct cbench b;
    memset(&b, 0, sizeof b);
    b.o = (struct copts){.host = "127.0.0.1",
                         .port = 1883,
                         .scenario = "",
                         .messages = 100000,
                         .seconds = 10,
                         .size = 64,
                         .window = 100,
                         .timeout_s = 120};
    parse_args(&b.o, argc, argv);
    bench_raise_nofile();
    b.dst.sin_family = AF_INET;
    b.dst.sin_port = htons(b.o.port);
    if (inet_pton(AF_INET, b.o.host, &b.dst.sin_addr) != 1)
        fail("--host must be an IPv4 address");
    b.deadline_ns = now_ns() + (uint64_t)b.o.timeout_s * 1000000000ull;
    b.tag = (uint32_t)getpid() ^ (uint32_t)(now_ns() << 8);
    snprintf(b.base, sizeof b.base, "bench/%d", (int)getpid());
    if (strcmp(b.o.scenario, "idle") == 0)
        return run_idle(&b);
    if (strcmp(b.o.scenario, "retained") == 0)
        return run_retained(&b);
    return run_conns(&b);
}
