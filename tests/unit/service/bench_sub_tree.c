/* SPDX-License-Identifier: MIT */
/* Micro-benchmark of the subscription tree and the retained store (not a ctest): run
 * it by hand from the build directory and compare the ns/op it prints. */
#include "service/retain.h"
#include "service/sub_tree.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { NSUBS = 100000, NMATCH = 1000000, NRETAIN = 100000, SITES = 100, DEVS = 1000 };

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static uint64_t rng_state = 88172645463325252ull;

static uint32_t rnd(uint32_t bound)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % bound);
}

static void on_sub(void *s, uint8_t o, uint32_t id, void *ud)
{
    (void)s;
    (void)o;
    (void)id;
    ++*(size_t *)ud;
}

static void on_msg(struct msg *m, void *ud)
{
    (void)m;
    ++*(size_t *)ud;
}

/* The filter mix of one scenario, in percent of NSUBS (the rest are exact filters
 * "site/<s>/dev/<d>/temp"): '+' per site, '#' per site, per-device '+' and '#', and
 * leading-'+' filters. */
struct mix {
    const char *name;
    uint32_t site_plus, site_hash, dev_plus, dev_hash, lead_plus;
};

/* Write filter number i of the mix into f; returns its length. */
static int make_filter(const struct mix *mx, char *f, size_t len)
{
    uint32_t r = rnd(100), s = rnd(SITES), d = rnd(DEVS);
    uint32_t a = mx->site_plus, b = a + mx->site_hash, c = b + mx->dev_plus;
    uint32_t e = c + mx->dev_hash, g = e + mx->lead_plus;

    if (r < a)
        return snprintf(f, len, "site/%u/dev/+/temp", s);
    if (r < b)
        return snprintf(f, len, "site/%u/#", s);
    if (r < c)
        return snprintf(f, len, "site/%u/dev/%u/+", s, d);
    if (r < e)
        return snprintf(f, len, "site/%u/dev/%u/#", s, d);
    if (r < g)
        return snprintf(f, len, "+/%u/dev/%u/#", s, d);
    return snprintf(f, len, "site/%u/dev/%u/temp", s, d);
}

/* NSUBS subscriptions of the given mix, then NMATCH matches of random device topics. */
static void bench_sub_tree(const struct mix *mx)
{
    struct sub_tree *t = sub_tree_new();
    static char topics[4096][64];
    char f[64];
    size_t hits = 0;

    double t0 = now_ns();
    for (uint32_t i = 0; i < NSUBS; i++) {
        int n = make_filter(mx, f, sizeof(f));
        sub_tree_add(t, f, (size_t)n, (void *)(uintptr_t)(i + 1), 1, 0, NULL);
    }
    double t1 = now_ns();
    for (int i = 0; i < 4096; i++)
        snprintf(topics[i], sizeof(topics[i]), "site/%u/dev/%u/%s", rnd(SITES), rnd(DEVS),
                 rnd(10) ? "temp" : "humidity");
    double t2 = now_ns();
    for (int i = 0; i < NMATCH; i++) {
        const char *tp = topics[i & 4095];
        sub_tree_match(t, tp, strlen(tp), on_sub, &hits);
    }
    double t3 = now_ns();
    printf("sub_tree [%s]: %d subs (%zu stored), add %.0f ns/add\n", mx->name, NSUBS,
           sub_tree_count(t), (t1 - t0) / NSUBS);
    printf("sub_tree [%s]: %d matches: %.1f ns/match, %.1f callbacks/match\n", mx->name, NMATCH,
           (t3 - t2) / NMATCH, (double)hits / NMATCH);
    sub_tree_free(t);
}

/* Fan-out: 100k subscribers on one topic, each match reports all of them. */
static void bench_fanout(void)
{
    struct sub_tree *t = sub_tree_new();
    size_t hits = 0;

    double t0 = now_ns();
    for (uintptr_t i = 1; i <= NSUBS; i++)
        sub_tree_add(t, "bcast/all", 9, (void *)i, 0, 0, NULL);
    double t1 = now_ns();
    for (int i = 0; i < 100; i++)
        sub_tree_match(t, "bcast/all", 9, on_sub, &hits);
    double t2 = now_ns();
    for (uintptr_t i = 1; i <= NSUBS; i++)
        sub_tree_remove(t, "bcast/all", 9, (void *)i);
    double t3 = now_ns();
    printf("fan-out: 100k subs on one filter: add %.0f ns, remove %.0f ns, "
           "%.2f ns/callback\n",
           (t1 - t0) / NSUBS, (t3 - t2) / NSUBS, (t2 - t1) / (double)hits);
    sub_tree_free(t);
}

/* Time `reps` retain_match calls of filter f. */
static void bench_retain_filter(const struct retain_store *rs, const char *f, int reps)
{
    size_t hits = 0;
    double t0 = now_ns();
    for (int i = 0; i < reps; i++)
        retain_match(rs, f, strlen(f), on_msg, &hits);
    double t1 = now_ns();
    printf("retain: match '%s': %.1f us/match, %zu msgs/match, %.1f ns/msg\n", f,
           (t1 - t0) / reps / 1e3, hits / (size_t)reps, (t1 - t0) / (double)hits);
}

static void bench_retain(void)
{
    struct retain_store *rs = retain_new();
    char topic[64];

    double t0 = now_ns();
    for (uint32_t i = 0; i < NRETAIN; i++) {
        int n = snprintf(topic, sizeof(topic), "site/%u/dev/%u/temp", i / DEVS, i % DEVS);
        retain_set(rs, msg_new(topic, (size_t)n, "21.5", 4, 0, true, i));
    }
    double t1 = now_ns();
    printf("retain: %zu retained, %llu bytes, set %.0f ns/msg\n", retain_count(rs),
           (unsigned long long)retain_bytes(rs), (t1 - t0) / NRETAIN);
    bench_retain_filter(rs, "#", 20);
    bench_retain_filter(rs, "site/+/dev/7/temp", 10000);
    bench_retain_filter(rs, "site/42/dev/+/temp", 1000);
    bench_retain_filter(rs, "site/42/dev/7/temp", 1000000);
    retain_free(rs);
}

int main(void)
{
    static const struct mix mostly_exact = {"97% exact", 0, 0, 2, 1, 0};
    static const struct mix wild = {"75% exact, heavy wildcards", 10, 4, 5, 5, 1};
    bench_sub_tree(&mostly_exact);
    bench_sub_tree(&wild);
    bench_fanout();
    bench_retain();
    return 0;
}
