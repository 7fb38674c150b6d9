/* SPDX-License-Identifier: MIT */
/* midge-bench: MQTT 3.1.1 load generator that drives N publishers and M subscribers against
 * a broker over loopback and validates every delivery (loss, duplicates, order, latency).
 *
 * It lives in tests/bench/ rather than tools/ because it uses epoll, timerfd and
 * CLOCK_MONOTONIC directly: one single-threaded loop over many sockets with a precise
 * pacing timer is simpler and cheaper this way than through common/platform.h, and the
 * benchmark is Linux-only anyway. The wire format comes from common/mqtt_codec. */
#include "common/buf.h"
#include "common/err.h"
#include "common/mqtt_codec.h"
#include "tests/bench/bench_io.h"
#include "tests/bench/bench_opts.h"
#include "tests/bench/bench_stats.h"
#include "tests/bench/bench_conns.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define MAGIC 0x4d424e43u           /* "MBNC": marks a benchmark payload */
#define MAX_OUT 65536u              /* stop generating while a publisher's output exceeds this */
#define DRAIN_IDLE_NS 3000000000ull /* give up draining after 3 s without progress */

enum role { ROLE_PUB, ROLE_SUB };
enum state { ST_CONNECTING, ST_SUBSCRIBING, ST_READY };

struct client {
    int fd;
    enum role role;
    enum state state;
    uint32_t id;
    struct buf in;
    struct buf out;
    bool want_out;
    /* Publisher side. */
    uint32_t next_seq;
    uint16_t next_pid;
    uint32_t inflight;
    uint8_t *pid_used; /* 65536 flags: 1 awaiting PUBACK/PUBREC, 2 awaiting PUBCOMP */
    uint64_t next_due_ns;
    char topic[96];   /* publish topic, formatted once */
    struct buf tmpl;  /* publisher: the encoded PUBLISH, patched per message */
    size_t tmpl_pay;  /* offset of the payload in tmpl */
    int64_t min_seen; /* min_last_seen() at the start of the current burst */
    /* Subscriber side: one record per publisher. */
    struct seen *seen;
};

struct bench {
    struct opts o;
    int ep;
    int tfd;
    struct client *c; /* publishers first, then subscribers */
    uint32_t n;
    char topic_base[64];
    uint64_t *hist;
    uint64_t start_ns, last_rx_ns, last_progress_ns;
    bool sending_done;
    uint64_t received;
    uint64_t pub_acked;
    uint64_t rx_now_ns; /* time of the read being parsed: one clock read per read() */
};

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

/* Write as much queued output as the socket takes; arm EPOLLOUT while some is left. */
static void flush(struct bench *b, struct client *c)
{
    if (bench_flush(b->ep, c->fd, c, &c->out, &c->want_out) < 0)
        die("write");
}

static void send_pkt_to(struct buf *out, const struct mqtt_packet *p)
{
    if (mqtt_codec_encode(out, p, MQTT_V311) < 0) {
        fprintf(stderr, "midge-bench: cannot encode packet type %u\n", p->type);
        exit(2);
    }
}

static void send_pkt(struct client *c, const struct mqtt_packet *p)
{
    send_pkt_to(&c->out, p);
}

static void send_ack(struct client *c, uint8_t type, uint16_t pid)
{
    struct mqtt_packet p = {.type = type};
    p.u.ack.packet_id = pid;
    send_pkt(c, &p);
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

static void topic_of(const struct bench *b, uint32_t pub, char *out, size_t len)
{
    snprintf(out, len, "%s/%u", b->topic_base, pub);
}

/* Lowest sequence any subscriber of this publisher's messages still waits for. */
static int64_t min_last_seen(const struct bench *b, uint32_t pub)
{
    int64_t m = INT64_MAX;
    for (uint32_t i = b->o.pubs; i < b->n; i++)
        if (b->c[i].seen[pub].last < m)
            m = b->c[i].seen[pub].last;
    return m;
}

static bool may_send(struct bench *b, struct client *c, uint64_t now)
{
    if (b->sending_done || c->state != ST_READY || buf_size(&c->out) >= MAX_OUT)
        return false;
    if (b->o.messages && c->next_seq >= b->o.messages)
        return false;
    if (b->o.qos > 0 && c->inflight >= b->o.window)
        return false;
    /* The end-to-end window is shared by the publishers feeding one subscriber, so the
     * broker never has to queue more than about e2e_window messages per subscriber. */
    uint32_t e2e = b->o.e2e_window / b->o.pubs;
    if ((int64_t)c->next_seq - c->min_seen > (int64_t)(e2e ? e2e : 1u))
        return false;
    if (b->o.rate > 0 && now < c->next_due_ns)
        return false;
    return true;
}

/* Encode c's PUBLISH once (payload 'x' bytes, packet id 1 at QoS 1/2); publish_one then
 * copies it and patches the packet id and the payload header, which keeps the
 * generator's cost per message far below the broker's. */
static void build_template(struct bench *b, struct client *c)
{
    uint8_t *payload = malloc(b->o.size);
    if (!payload)
        die("malloc");
    memset(payload, 'x', b->o.size);
    struct mqtt_packet p = {.type = MQTT_PKT_PUBLISH};
    p.u.publish.qos = b->o.qos;
    p.u.publish.topic.p = (const uint8_t *)c->topic;
    p.u.publish.topic.len = (uint16_t)strlen(c->topic);
    p.u.publish.payload = payload;
    p.u.publish.payload_len = b->o.size;
    p.u.publish.packet_id = b->o.qos > 0 ? 1 : 0;
    buf_init(&c->tmpl);
    send_pkt_to(&c->tmpl, &p);
    c->tmpl_pay = buf_size(&c->tmpl) - b->o.size;
    free(payload);
}

static void publish_one(struct bench *b, struct client *c, uint64_t now)
{
    size_t len = buf_size(&c->tmpl);
    uint8_t *w = buf_reserve(&c->out, len);
    memcpy(w, buf_head(&c->tmpl), len);
    uint8_t *payload = w + c->tmpl_pay;
    put_u32(payload, MAGIC);
    put_u32(payload + 4, c->id);
    put_u32(payload + 8, c->next_seq);
    put_u32(payload + 12, (uint32_t)(now >> 32));
    put_u32(payload + 16, (uint32_t)now);
    if (b->o.qos > 0) {
        while (c->pid_used[c->next_pid] || c->next_pid == 0)
            c->next_pid++;
        payload[-2] = (uint8_t)(c->next_pid >> 8); /* the packet id precedes the payload */
        payload[-1] = (uint8_t)c->next_pid;
        c->pid_used[c->next_pid] = 1;
        c->next_pid++;
        c->inflight++;
    }
    buf_commit(&c->out, len);
    c->next_seq++;
    if (b->o.rate > 0) {
        double per_pub = b->o.rate / (double)b->o.pubs;
        c->next_due_ns = b->start_ns + (uint64_t)((double)c->next_seq * 1e9 / per_pub);
    }
}

static void on_publish(struct bench *b, struct client *c, const struct mqtt_publish *pb)
{
    if (pb->qos == 1)
        send_ack(c, MQTT_PKT_PUBACK, pb->packet_id);
    else if (pb->qos == 2)
        send_ack(c, MQTT_PKT_PUBREC, pb->packet_id);
    if (pb->payload_len < HDR_LEN || get_u32(pb->payload) != MAGIC)
        return; /* not ours (another run sharing the broker) */
    uint32_t pub = get_u32(pb->payload + 4);
    if (pub >= b->o.pubs)
        return;
    uint64_t now = b->rx_now_ns;
    uint64_t ts = (uint64_t)get_u32(pb->payload + 12) << 32 | get_u32(pb->payload + 16);
    b->hist[hist_index(now > ts ? (now - ts) / 1000u : 0u)]++;
    seen_mark(&c->seen[pub], get_u32(pb->payload + 8));
    b->received++;
    b->last_rx_ns = now;
    b->last_progress_ns = now;
}

/* CONNACK: a subscriber subscribes next (to the wildcard when there are several
 * publishers), a publisher is ready. */
static void on_connack(struct bench *b, struct client *c, uint8_t reason)
{
    if (reason != 0) {
        fprintf(stderr, "midge-bench: CONNACK refused (%u)\n", reason);
        exit(2);
    }
    if (c->role != ROLE_SUB) {
        c->state = ST_READY;
        return;
    }
    char filter[96];
    if (b->o.pubs > 1)
        snprintf(filter, sizeof filter, "%s/+", b->topic_base);
    else
        topic_of(b, 0, filter, sizeof filter);
    struct buf entries;
    buf_init(&entries);
    struct mqtt_sub_entry e = {.qos = b->o.qos};
    e.filter.p = (const uint8_t *)filter;
    e.filter.len = (uint16_t)strlen(filter);
    mqtt_codec_put_sub_entry(&entries, &e, MQTT_V311);
    struct mqtt_packet s = {.type = MQTT_PKT_SUBSCRIBE};
    s.u.subscribe.packet_id = 1;
    s.u.subscribe.entries = buf_head(&entries);
    s.u.subscribe.entries_len = (uint32_t)buf_size(&entries);
    s.u.subscribe.count = 1;
    send_pkt(c, &s);
    buf_cleanup(&entries);
    c->state = ST_SUBSCRIBING;
}

static void on_packet(struct bench *b, struct client *c, const struct mqtt_packet *p)
{
    switch (p->type) {
    case MQTT_PKT_CONNACK:
        on_connack(b, c, p->u.connack.reason);
        break;
    case MQTT_PKT_SUBACK:
        if (p->u.suback.count < 1 || p->u.suback.codes[0] == MQTT_SUBACK_FAILURE) {
            fprintf(stderr, "midge-bench: SUBSCRIBE refused\n");
            exit(2);
        }
        c->state = ST_READY;
        break;
    case MQTT_PKT_PUBLISH:
        on_publish(b, c, &p->u.publish);
        break;
    case MQTT_PKT_PUBACK:
    case MQTT_PKT_PUBCOMP: {
        uint16_t id = p->u.ack.packet_id;
        uint8_t want = p->type == MQTT_PKT_PUBACK ? 1 : 2;
        if (c->role != ROLE_PUB || c->pid_used[id] != want) {
            fprintf(stderr, "midge-bench: unexpected %s for id %u\n", mqtt_codec_type_name(p->type),
                    id);
            exit(2);
        }
        c->pid_used[id] = 0;
        c->inflight--;
        b->pub_acked++;
        b->last_progress_ns = now_ns();
        break;
    }
    case MQTT_PKT_PUBREC:
        if (c->role != ROLE_PUB || c->pid_used[p->u.ack.packet_id] == 0) {
            fprintf(stderr, "midge-bench: unexpected PUBREC\n");
            exit(2);
        }
        c->pid_used[p->u.ack.packet_id] = 2;
        send_ack(c, MQTT_PKT_PUBREL, p->u.ack.packet_id);
        break;
    case MQTT_PKT_PUBREL:
        send_ack(c, MQTT_PKT_PUBCOMP, p->u.ack.packet_id);
        break;
    default:
        break;
    }
}

/* Split a PUBLISH from the broker without the codec's full validation (the topic is not
 * needed, the payload is checked by its magic). False for anything else. */
static bool fast_publish(const struct mqtt_header *h, const uint8_t *body, struct mqtt_packet *p)
{
    if (h->type != MQTT_PKT_PUBLISH || h->remaining < 2)
        return false;
    uint8_t qos = (uint8_t)((h->flags >> 1) & 3u);
    uint32_t tlen = (uint32_t)body[0] << 8 | body[1];
    uint32_t head = 2u + tlen + (qos ? 2u : 0u);
    if (qos == 3 || head > h->remaining)
        return false;
    memset(p, 0, sizeof *p);
    p->type = MQTT_PKT_PUBLISH;
    p->u.publish.qos = qos;
    p->u.publish.retain = h->flags & 1u;
    p->u.publish.dup = (h->flags & 8u) != 0;
    p->u.publish.topic.p = body + 2;
    p->u.publish.topic.len = (uint16_t)tlen;
    if (qos)
        p->u.publish.packet_id = (uint16_t)(body[2 + tlen] << 8 | body[3 + tlen]);
    p->u.publish.payload = body + head;
    p->u.publish.payload_len = h->remaining - head;
    return true;
}

static void on_readable(struct bench *b, struct client *c)
{
    for (;;) {
        uint8_t *dst = buf_reserve(&c->in, 65536);
        ssize_t r = read(c->fd, dst, 65536);
        if (r > 0) {
            buf_commit(&c->in, (size_t)r);
            if (r < 65536)
                break;
            continue;
        }
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        fprintf(stderr, "midge-bench: broker closed the connection of %s %u\n",
                c->role == ROLE_PUB ? "publisher" : "subscriber", c->id);
        exit(2);
    }
    b->rx_now_ns = now_ns();
    for (;;) {
        struct mqtt_header h;
        int rc = mqtt_codec_decode_header(buf_head(&c->in), buf_size(&c->in), &h);
        if (rc == ERR_AGAIN)
            break;
        if (rc < 0 || buf_size(&c->in) < (size_t)h.hdr_len + h.remaining) {
            if (rc < 0) {
                fprintf(stderr, "midge-bench: malformed packet from broker\n");
                exit(2);
            }
            break;
        }
        struct mqtt_packet p;
        struct err_detail d;
        memset(&d, 0, sizeof d);
        if (fast_publish(&h, buf_head(&c->in) + h.hdr_len, &p))
            rc = 0;
        else
            rc = mqtt_codec_decode(&h, buf_head(&c->in) + h.hdr_len, MQTT_V311, &p, &d);
        if (rc < 0) {
            fprintf(stderr, "midge-bench: cannot decode %s from broker\n",
                    mqtt_codec_type_name(h.type));
            exit(2);
        }
        on_packet(b, c, &p);
        buf_consume(&c->in, (size_t)h.hdr_len + h.remaining);
    }
}

static int fcntl_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static void open_client(struct bench *b, struct client *c)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(b->o.port)};
    if (inet_pton(AF_INET, b->o.host, &sa.sin_addr) != 1) {
        fprintf(stderr, "midge-bench: --host must be an IPv4 address\n");
        exit(2);
    }
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (c->fd < 0)
        die("socket");
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) != 0)
        die("connect");
    if (fcntl_nonblock(c->fd) != 0)
        die("fcntl");
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    if (epoll_ctl(b->ep, EPOLL_CTL_ADD, c->fd, &ev) != 0)
        die("epoll_ctl");
    char cid[64];
    snprintf(cid, sizeof cid, "mb%d-%c%u", (int)getpid() % 100000, c->role == ROLE_PUB ? 'p' : 's',
             c->id);
    struct mqtt_packet p = {.type = MQTT_PKT_CONNECT};
    p.u.connect.clean_start = true;
    p.u.connect.keepalive = 0;
    p.u.connect.client_id.p = (const uint8_t *)cid;
    p.u.connect.client_id.len = (uint16_t)strlen(cid);
    send_pkt(c, &p);
    flush(b, c);
}

/* Setup phase: true once every client is READY; exits when the deadline passes first. */
static bool all_ready(const struct bench *b, uint64_t now, uint64_t deadline_ns)
{
    bool all = true;
    for (uint32_t i = 0; i < b->n; i++)
        all = all && b->c[i].state == ST_READY;
    if (!all && now > deadline_ns) {
        fprintf(stderr, "midge-bench: timed out connecting/subscribing\n");
        exit(2);
    }
    return all;
}

/* Let every publisher send what its windows and its pace allow (a burst of at most 256);
 * returns the earliest time a paced publisher is due next, or UINT64_MAX. *nowp is the
 * current time, advanced while paced bursts read the clock. */
static uint64_t pump_publishers(struct bench *b, uint64_t *nowp)
{
    uint64_t now = *nowp;
    uint64_t due = UINT64_MAX;
    if (!b->sending_done && b->o.seconds > 0 && now - b->start_ns >= (uint64_t)(b->o.seconds * 1e9))
        b->sending_done = true;
    if (!b->sending_done && b->o.messages) {
        bool all = true;
        for (uint32_t i = 0; i < b->o.pubs; i++)
            all = all && b->c[i].next_seq >= b->o.messages;
        if (all)
            b->sending_done = true;
    }
    for (uint32_t i = 0; i < b->o.pubs; i++) {
        struct client *c = &b->c[i];
        uint32_t burst = 0;
        /* Nothing is received during a burst, so the minimum holds for all of it. */
        c->min_seen = min_last_seen(b, c->id);
        while (burst < 256 && may_send(b, c, now)) {
            publish_one(b, c, now);
            burst++;
            if (b->o.rate > 0)
                now = now_ns();
        }
        if (burst) {
            flush(b, c);
            b->last_progress_ns = now;
        }
        if (b->o.rate > 0 && !b->sending_done && c->next_due_ns < due)
            due = c->next_due_ns;
    }
    *nowp = now;
    return due;
}

/* Pump phase: true when the run is over (all sent and delivered, a stalled drain whose
 * missing messages count as lost, no progress, or the deadline). */
static bool run_over(struct bench *b, uint64_t now, uint64_t deadline_ns)
{
    if (b->sending_done) {
        bool complete = true;
        for (uint32_t i = 0; i < b->o.pubs && complete; i++) {
            complete = b->c[i].inflight == 0;
            for (uint32_t s = b->o.pubs; s < b->n && complete; s++)
                complete = b->c[s].seen[i].last + 1 >= (int64_t)b->c[i].next_seq;
        }
        if (complete || now - b->last_progress_ns > DRAIN_IDLE_NS)
            return true;
    }
    if (!b->sending_done && now - b->last_progress_ns > DRAIN_IDLE_NS) {
        fprintf(stderr, "midge-bench: no progress for 3 s, stopping\n");
        return true;
    }
    if (now > deadline_ns) {
        fprintf(stderr, "midge-bench: run timed out\n");
        return true;
    }
    return false;
}

/* Wait for socket events (at most 100 ms) and handle them, then flush what they queued. */
static void handle_events(struct bench *b)
{
    struct epoll_event evs[64];
    int n = epoll_wait(b->ep, evs, 64, 100);
    if (n < 0 && errno != EINTR)
        die("epoll_wait");
    for (int i = 0; i < n; i++) {
        struct client *c = evs[i].data.ptr;
        if (!c) {
            uint64_t ticks;
            if (read(b->tfd, &ticks, sizeof ticks) < 0 && errno != EAGAIN)
                die("timerfd read");
            continue;
        }
        if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
            on_readable(b, c);
        if (evs[i].events & EPOLLOUT)
            flush(b, c);
    }
    for (uint32_t i = 0; i < b->n; i++)
        if (buf_size(&b->c[i].out) > 0 && !b->c[i].want_out)
            flush(b, &b->c[i]);
}

/* Run the loop until every client is READY (setup) or, with pump set, until sending has
 * finished and everything sent was delivered (or the drain stalls). */
static void loop(struct bench *b, bool pump, uint64_t deadline_ns)
{
    for (;;) {
        uint64_t now = now_ns();
        if (!pump) {
            if (all_ready(b, now, deadline_ns))
                return;
        } else {
            uint64_t due = pump_publishers(b, &now);
            if (run_over(b, now, deadline_ns))
                return;
            if (due != UINT64_MAX && due > now) { /* the pacing timer wakes the wait */
                struct itimerspec its = {.it_value = {.tv_sec = (time_t)(due / 1000000000ull),
                                                      .tv_nsec = (long)(due % 1000000000ull)}};
                timerfd_settime(b->tfd, TFD_TIMER_ABSTIME, &its, NULL);
            }
        }
        handle_events(b);
    }
}

/* Client records (publishers first), their topics, templates and bookkeeping. */
static void setup_clients(struct bench *b)
{
    snprintf(b->topic_base, sizeof b->topic_base, "bench/%d", (int)getpid());
    b->hist = calloc(HIST_BUCKETS, sizeof *b->hist);
    b->n = b->o.pubs + b->o.subs;
    b->c = calloc(b->n, sizeof *b->c);
    b->ep = epoll_create1(0);
    b->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    if (!b->hist || !b->c || b->ep < 0 || b->tfd < 0)
        die("setup");
    struct epoll_event tev = {.events = EPOLLIN, .data.ptr = NULL};
    if (epoll_ctl(b->ep, EPOLL_CTL_ADD, b->tfd, &tev) != 0)
        die("epoll_ctl");
    for (uint32_t i = 0; i < b->n; i++) {
        struct client *c = &b->c[i];
        c->role = i < b->o.pubs ? ROLE_PUB : ROLE_SUB;
        c->id = c->role == ROLE_PUB ? i : i - b->o.pubs;
        buf_init(&c->in);
        buf_init(&c->out);
        c->next_pid = 1;
        if (c->role == ROLE_PUB) {
            topic_of(b, c->id, c->topic, sizeof c->topic);
            build_template(b, c);
            c->pid_used = calloc(65536, 1);
            if (!c->pid_used)
                die("calloc");
        } else {
            c->seen = calloc(b->o.pubs, sizeof *c->seen);
            if (!c->seen)
                die("calloc");
            for (uint32_t p = 0; p < b->o.pubs; p++)
                c->seen[p].last = -1;
        }
    }
}

/* Totals of a finished run. */
struct totals {
    uint64_t sent, expected, uniq, dup, reord, inflight, lost;
};

static struct totals count_totals(const struct bench *b)
{
    struct totals t = {0};
    for (uint32_t i = 0; i < b->o.pubs; i++) {
        t.sent += b->c[i].next_seq;
        t.inflight += b->c[i].inflight;
    }
    for (uint32_t s = b->o.pubs; s < b->n; s++) {
        for (uint32_t p = 0; p < b->o.pubs; p++) {
            t.expected += b->c[p].next_seq;
            t.uniq += b->c[s].seen[p].unique;
            t.dup += b->c[s].seen[p].dup;
            t.reord += b->c[s].seen[p].reordered;
        }
    }
    t.lost = t.expected - t.uniq;
    return t;
}

/* Print the result line (key=value, for bench-compare) and the human summary. */
static void report(const struct bench *b, const struct totals *t, uint64_t end)
{
    double secs = (double)(end - b->start_ns) / 1e9;
    double rate = secs > 0 ? (double)b->received / secs : 0;
    unsigned long long p50 = hist_quantile(b->hist, b->received, 0.50);
    unsigned long long p99 = hist_quantile(b->hist, b->received, 0.99);
    unsigned long long p999 = hist_quantile(b->hist, b->received, 0.999);
    printf("scenario=%s qos=%u pubs=%u subs=%u size=%u sent=%llu msgs=%llu seconds=%.3f "
           "msgs_per_s=%.0f lost=%llu dup=%llu reordered=%llu unacked=%llu p50_us=%llu "
           "p99_us=%llu p999_us=%llu rate=%.0f\n",
           b->o.scenario, b->o.qos, b->o.pubs, b->o.subs, b->o.size, (unsigned long long)t->sent,
           (unsigned long long)b->received, secs, rate, (unsigned long long)t->lost,
           (unsigned long long)t->dup, (unsigned long long)t->reord,
           (unsigned long long)t->inflight, p50, p99, p999, b->o.rate);
    printf("# %s QoS %u: %llu published, %llu delivered in %.2f s = %.0f msg/s delivered; "
           "lost %llu, dup %llu, reordered %llu; latency p50 %llu us, p99 %llu us, "
           "p99.9 %llu us\n",
           b->o.scenario, b->o.qos, (unsigned long long)t->sent, (unsigned long long)b->received,
           secs, rate, (unsigned long long)t->lost, (unsigned long long)t->dup,
           (unsigned long long)t->reord, p50, p99, p999);
}

/* DISCONNECT and close every client; free everything setup_clients made. */
static void teardown(struct bench *b)
{
    for (uint32_t i = 0; i < b->n; i++) {
        struct mqtt_packet d = {.type = MQTT_PKT_DISCONNECT};
        send_pkt(&b->c[i], &d);
        (void)!write(b->c[i].fd, buf_head(&b->c[i].out), buf_size(&b->c[i].out));
        close(b->c[i].fd);
        buf_cleanup(&b->c[i].in);
        buf_cleanup(&b->c[i].out);
        free(b->c[i].pid_used);
        buf_cleanup(&b->c[i].tmpl);
        if (b->c[i].seen)
            for (uint32_t p = 0; p < b->o.pubs; p++)
                free(b->c[i].seen[p].bits);
        free(b->c[i].seen);
    }
    free(b->c);
    free(b->hist);
    close(b->tfd);
    close(b->ep);
}

int main(int argc, char **argv)
{
    if (bench_conns_selected(argc, argv))
        return bench_conns_main(argc, argv);
    struct bench b;
    memset(&b, 0, sizeof b);
    b.o = (struct opts){.host = "127.0.0.1",
                        .port = 1883,
                        .scenario = "fan-in",
                        .size = 64,
                        .window = 32,
                        .e2e_window = 1000,
                        .timeout_s = 120};
    bench_parse_args(&b.o, argc, argv);
    setup_clients(&b);
    uint64_t deadline = now_ns() + (uint64_t)b.o.timeout_s * 1000000000ull;
    /* Subscribers first, so no message is published before every subscription exists. */
    for (uint32_t i = b.o.pubs; i < b.n; i++)
        open_client(&b, &b.c[i]);
    for (uint32_t i = 0; i < b.o.pubs; i++)
        open_client(&b, &b.c[i]);
    loop(&b, false, deadline);

    b.start_ns = now_ns();
    b.last_progress_ns = b.start_ns;
    for (uint32_t i = 0; i < b.o.pubs; i++)
        b.c[i].next_due_ns = b.start_ns;
    loop(&b, true, deadline);
    uint64_t end = b.last_rx_ns > b.start_ns ? b.last_rx_ns : now_ns();
    struct totals t = count_totals(&b);
    report(&b, &t, end);
    teardown(&b);

    bool bad = false;
    if (b.o.qos > 0 && (t.lost > 0 || t.inflight > 0)) {
        fprintf(stderr, "midge-bench: FAIL: %llu lost, %llu unacknowledged at QoS %u\n",
                (unsigned long long)t.lost, (unsigned long long)t.inflight, b.o.qos);
        bad = true;
    }
    if (b.o.qos == 2 && t.dup > 0) {
        fprintf(stderr, "midge-bench: FAIL: %llu duplicates at QoS 2\n", (unsigned long long)t.dup);
        bad = true;
    }
    return bad ? 1 : 0;
}
