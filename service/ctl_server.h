/* SPDX-License-Identifier: MIT */
/* The control server: serves docs/control-protocol.md on the local control endpoint
 * (plat_ctl_*) for midge-ctl and the admin app. Loop thread only. */
#ifndef MIDGE_SERVICE_CTL_SERVER_H
#define MIDGE_SERVICE_CTL_SERVER_H

#include "common/err.h"
#include "service/broker.h"

/* Open the endpoint named by b->cfg.control_socket (NULL = the platform default,
 * "none" = no endpoint) and start serving; b->ctl is owned by the broker and freed by
 * ctl_server_stop. A failure to open the endpoint is logged as a warning and the broker
 * runs without it (MQTT service matters more); the return value is 0 then too. Returns
 * an error only for an explicitly configured endpoint that cannot be created, so that a
 * misconfiguration is not silently ignored. Called by broker_start before the MQTT
 * listeners open, so that the endpoint is ready once clients can connect. */
int ctl_server_start(struct broker *b);

/* Close every control connection and the endpoint, free b->ctl; safe when
 * ctl_server_start never ran. */
void ctl_server_stop(struct broker *b);

/* Number of control connections (for tests). */
size_t ctl_server_client_count(const struct broker *b);

#endif
