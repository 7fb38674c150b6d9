/* SPDX-License-Identifier: MIT */
/* Command line of midge-bench's stream scenarios (tests/bench/bench_opts.h). */
#include "tests/bench/bench_opts.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(
        f,
        "Usage: midge-bench [options]\n"
        "  --host ADDR        broker IPv4 address (127.0.0.1)\n"
        "  --port PORT        broker port (1883)\n"
        "  --scenario NAME    fan-in (4 pub -> 1 sub on a wildcard) | fan-out (1 pub -> 16 sub)\n"
        "                     | latency (fan-in at 10k msg/s for 3 s) | idle | retained | conns\n"
        "                     (see --scenario idle --help)\n"
        "  --pubs N --subs M  override the scenario's client counts\n"
        "  --qos 0|1|2        QoS of publish and subscription (0)\n"
        "  --messages N       messages per publisher (default 10000 unless --seconds)\n"
        "  --seconds S        publish for S seconds instead\n"
        "  --rate R           total publish rate in msg/s (default: as fast as possible)\n"
        "  --size BYTES       payload size, >= %u (64)\n"
        "  --window W         QoS 1/2 in-flight PUBLISHes per publisher (32)\n"
        "  --e2e-window W     messages sent but not yet received, per subscriber (1000)\n"
        "  --timeout S        hard limit on the whole run (120)\n"
        "Exit status: 0 ok, 1 validation failed (loss at QoS 1/2, dup at QoS 2), 2 error.\n",
        HDR_LEN);
}

static void apply_scenario(struct opts *o, long pubs, long subs);

void bench_parse_args(struct opts *o, int argc, char **argv)
{
    static const struct option lo[] = {
        {"host", 1, 0, 'H'},     {"port", 1, 0, 'p'},    {"scenario", 1, 0, 's'},
        {"pubs", 1, 0, 'P'},     {"subs", 1, 0, 'S'},    {"qos", 1, 0, 'q'},
        {"messages", 1, 0, 'm'}, {"seconds", 1, 0, 't'}, {"rate", 1, 0, 'r'},
        {"size", 1, 0, 'z'},     {"window", 1, 0, 'w'},  {"e2e-window", 1, 0, 'e'},
        {"timeout", 1, 0, 'T'},  {"help", 0, 0, 'h'},    {0, 0, 0, 0}};
    long pubs = -1, subs = -1;
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
        case 'P':
            pubs = strtol(optarg, NULL, 10);
            break;
        case 'S':
            subs = strtol(optarg, NULL, 10);
            break;
        case 'q':
            o->qos = (uint8_t)strtoul(optarg, NULL, 10);
            break;
        case 'm':
            o->messages = strtoull(optarg, NULL, 10);
            break;
        case 't':
            o->seconds = strtod(optarg, NULL);
            break;
        case 'r':
            o->rate = strtod(optarg, NULL);
            break;
        case 'z':
            o->size = (uint32_t)strtoul(optarg, NULL, 10);
            break;
        case 'w':
            o->window = (uint32_t)strtoul(optarg, NULL, 10);
            break;
        case 'e':
            o->e2e_window = (uint32_t)strtoul(optarg, NULL, 10);
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
    apply_scenario(o, pubs, subs);
}

/* The scenario's client counts and defaults, then --pubs/--subs (> 0) and the checks. */
static void apply_scenario(struct opts *o, long pubs, long subs)
{
    if (strcmp(o->scenario, "fan-in") == 0) {
        o->pubs = 4;
        o->subs = 1;
    } else if (strcmp(o->scenario, "latency") == 0) {
        o->pubs = 4; /* fan-in paced at --rate (10k msg/s) for --seconds (3) */
        o->subs = 1;
        if (o->rate <= 0)
            o->rate = 10000;
        if (o->seconds <= 0 && o->messages == 0)
            o->seconds = 3;
    } else if (strcmp(o->scenario, "fan-out") == 0) {
        o->pubs = 1;
        o->subs = 16;
    } else {
        fprintf(stderr, "midge-bench: unknown scenario '%s'\n", o->scenario);
        exit(2);
    }
    if (pubs > 0)
        o->pubs = (uint32_t)pubs;
    if (subs > 0)
        o->subs = (uint32_t)subs;
    if (o->qos > 2 || o->size < HDR_LEN || o->size > 65000 || o->window < 1 || o->window > 60000 ||
        o->e2e_window < 1 || o->port == 0) {
        fprintf(stderr, "midge-bench: bad --qos, --size, --window, --e2e-window or --port\n");
        exit(2);
    }
    if (o->seconds > 0)
        o->messages = 0;
    else if (o->messages == 0)
        o->messages = 10000;
    if (o->messages > UINT32_MAX) {
        fprintf(stderr, "midge-bench: --messages too large\n");
        exit(2);
    }
}
