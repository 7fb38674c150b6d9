/* SPDX-License-Identifier: MIT */
/* A real midge broker for the admin app's tests: a generated config in a temporary
 * directory (one loopback listener, a control socket, a password file), started and
 * restarted as a child process. GLib only, so display-free tests use it too. */
#ifndef MIDGE_TESTS_GUI_BROKER_FIXTURE_H
#define MIDGE_TESTS_GUI_BROKER_FIXTURE_H

#include <gio/gio.h>

typedef struct {
    char *dir;    /* temporary directory, removed by _stop */
    char *conf;   /* broker.conf */
    char *socket; /* control socket path */
    char *passwd; /* password file (empty at start) */
    char *log;    /* broker output */
    guint16 port; /* the MQTT listener */
    GSubprocess *proc;
} BrokerFixture;

/* A free loopback TCP port (bound and released; a race with other processes is
 * possible but unlikely). */
guint16 broker_fixture_free_port(void);

/* Write the config (anonymous clients allowed unless authenticated is TRUE) and start
 * the broker ($MIDGE_BIN), waiting until its control socket and port accept. Aborts the
 * test on failure. */
void broker_fixture_start(BrokerFixture *f, gboolean authenticated);

/* Stop the broker with SIGTERM and wait for it; keep the directory. */
void broker_fixture_kill(BrokerFixture *f);

/* Start the broker again with the same (possibly edited) config. */
void broker_fixture_restart(BrokerFixture *f);

/* Stop the broker, check it exited with status 0, and remove the directory. */
void broker_fixture_stop(BrokerFixture *f);

/* Run a command line (argv NULL-terminated) to completion and return its exit status;
 * for mosquitto_pub/mosquitto_sub. Blocks (the broker is another process). */
int broker_fixture_run(const char *const *argv);

/* TRUE once a TCP connection to 127.0.0.1:port succeeds. */
gboolean broker_fixture_port_open(guint16 port);

#endif
