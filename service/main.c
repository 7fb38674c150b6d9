/* SPDX-License-Identifier: MIT */
/* midge's entry point: command line, configuration loading, then the platform's service
 * runner with the broker's lifecycle callbacks. */
#include "common/cfg.h"
#include "common/platform.h"
#include "service/bridge.h"
#include "service/broker.h"
#include "service/config_io.h"
#include "service/log.h"
#include "service/persist.h"
#include "service/tls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct args {
    const char *config;
    uint16_t ports[10];
    size_t n_ports;
    bool verbose;
    bool daemonize;
    bool test_only;
};

static void usage(FILE *f)
{
    fprintf(f,
            "midge %s - MQTT 3.1/3.1.1 broker\n\n"
            "Usage: midge [-c FILE] [-d] [-p PORT]... [-t] [-v]\n"
            "  -c, --config-file FILE  read configuration (mosquitto.conf syntax)\n"
            "  -d, --daemon            run in the background\n"
            "  -p, --port PORT         local-only listener port (repeatable, up to 10;\n"
            "                          ignored when the configuration has listeners)\n"
            "  -t, --test-config       check the configuration and exit (0 = valid)\n"
            "  -v, --verbose           log everything (log_type all)\n"
            "  -h, --help              show this help\n"
            "      --version           show the version\n"
            "Without -c, midge listens on 127.0.0.1 and ::1 port 1883 only.\n",
            MIDGE_VERSION);
}

static int parse_port(const char *s, uint16_t *out)
{
    char *end = NULL;
    long v = s ? strtol(s, &end, 10) : 0;
    if (!s || *s == '\0' || *end != '\0' || v < 1 || v > 65535)
        return ERR_RANGE;
    *out = (uint16_t)v;
    return 0;
}

/* Parse argv into *a; returns 0 to run, 1 after printing help/version (exit 0), or -1
 * after an error message (exit 1). */
static int parse_args(int argc, char **argv, struct args *a)
{
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(o, "-c") || !strcmp(o, "--config-file")) {
            if (!next) {
                fprintf(stderr, "midge: %s needs a file name\n", o);
                return -1;
            }
            a->config = argv[++i];
        } else if (!strcmp(o, "-p") || !strcmp(o, "--port")) {
            if (a->n_ports == 10 || parse_port(next, &a->ports[a->n_ports]) < 0) {
                fprintf(stderr, "midge: %s needs a port 1-65535 (at most 10 times)\n", o);
                return -1;
            }
            a->n_ports++;
            i++;
        } else if (!strcmp(o, "-v") || !strcmp(o, "--verbose")) {
            a->verbose = true;
        } else if (!strcmp(o, "-d") || !strcmp(o, "--daemon")) {
            a->daemonize = true;
        } else if (!strcmp(o, "-t") || !strcmp(o, "--test-config")) {
            a->test_only = true;
        } else if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
            usage(stdout);
            return 1;
        } else if (!strcmp(o, "--version")) {
            printf("midge %s\n", MIDGE_VERSION);
            return 1;
        } else {
            fprintf(stderr, "midge: unknown option '%s'\n\n", o);
            usage(stderr);
            return -1;
        }
    }
    return 0;
}

/* Load the configuration (or the built-in defaults) into *c; print errors. */
static int load_config(const struct args *a, struct cfg *c)
{
    cfg_init(c);
    if (!a->config) {
        c->local_only = true;
        return 0;
    }
    struct err_detail d = {{0}, {0}, 0};
    int rc = config_io_load(a->config, c, &d);
    char msg[1200];
    if (rc < 0) {
        fprintf(stderr, "midge: %s\n", err_detail_format(&d, msg, sizeof msg));
        return rc;
    }
    for (size_t i = 0; i < c->n_warnings; i++)
        fprintf(stderr, "midge: warning: %s\n", c->warnings[i]);
    /* Certificates, keys and CA files are checked now, so `midge -t` and a broken
     * start name the listener and the file at fault. */
    rc = tls_config_check(c, &d);
    if (rc == 0)
        rc = bridge_config_check(c, a->test_only, &d);
    if (rc < 0) {
        fprintf(stderr, "midge: %s\n", err_detail_format(&d, msg, sizeof msg));
        return rc;
    }
    return 0;
}

static int on_start(plat_loop *loop, void *ud)
{
    int rc = broker_start(ud, loop);
    if (rc == 0)
        log_startup_done();
    return rc;
}

static void on_stop(void *ud)
{
    broker_stop(ud);
}

static void on_reload(void *ud)
{
    broker_reload(ud);
}

/* The broker's save hook (SIGUSR1 and the control socket's persist.save). */
static int save_now(struct broker *b, struct err_detail *d)
{
    if (!b->cfg.persistence)
        return err_set(d, ERR_NOTSUP, NULL, 0, "persistence is off (set `persistence true`)");
    persist_request_save(b); /* in the background; the log tells when it is written */
    return 0;
}

static void on_save(void *ud)
{
    persist_request_save(ud);
}

static void on_cleanup(void *ud)
{
    broker_cleanup(ud);
}

/* Process-model events (privileges dropped, stale pid file, ...) go to the log. */
static void on_platform_log(enum plat_log_level level, const char *line, void *ud)
{
    (void)ud;
    static const enum log_class classes[] = {
        [PLAT_LOG_ERROR] = LOG_ERROR,   [PLAT_LOG_WARNING] = LOG_WARNING,
        [PLAT_LOG_NOTICE] = LOG_NOTICE, [PLAT_LOG_INFO] = LOG_INFO,
        [PLAT_LOG_DEBUG] = LOG_DEBUG,
    };
    log_write(classes[level], "%s", line);
}

/* -d points stdout and stderr at /dev/null once the broker serves: say so when they are
 * the only log sinks. */
static void warn_daemon_log(const struct args *a, const struct cfg *c)
{
    unsigned kept = CFG_LOG_DEST_FILE | CFG_LOG_DEST_SYSLOG;
    if (a->daemonize && !(c->log_dest & kept))
        fprintf(stderr, "midge: warning: -d discards stdout and stderr after start-up; "
                        "set `log_dest file PATH` or `log_dest syslog` to keep a log\n");
}

int main(int argc, char **argv)
{
    struct args a = {0};
    int rc = 0;
    if (plat_service_verb(&argc, &argv, &rc))
        return rc;
    /* Before anything touches the crypto library (password hashes too): no openssl.cnf. */
    (void)tls_library_init();
    rc = parse_args(argc, argv, &a);
    if (rc != 0)
        return rc > 0 ? 0 : 1;
    if (!a.config)
        a.config = plat_path_default_config();
    struct cfg c;
    if (load_config(&a, &c) < 0) {
        cfg_cleanup(&c);
        return 1;
    }
    if (a.test_only) {
        printf("midge: configuration %s is valid\n", a.config ? a.config : "(built-in)");
        cfg_cleanup(&c);
        return 0;
    }
    warn_daemon_log(&a, &c);
    struct err_detail d = {{0}, {0}, 0};
    if (log_configure(&c, a.verbose, &d) < 0) {
        char msg[1200];
        fprintf(stderr, "midge: cannot open log: %s\n", err_detail_format(&d, msg, sizeof msg));
        cfg_cleanup(&c);
        return 1;
    }
    struct broker *b = malloc(sizeof *b);
    if (!b)
        return 1;
    broker_init(b, &c, a.config, a.verbose, a.ports, a.n_ports);
    b->save = save_now;
    const struct plat_service_ops ops = {on_start, on_stop,    on_reload,      on_save,
                                         NULL,     on_cleanup, on_platform_log};
    const struct plat_service_opts opts = {a.daemonize, b->cfg.pid_file, b->cfg.user};
    rc = plat_service_main(&ops, &opts, b);
    free(b);
    log_shutdown();
    return rc;
}
