/* SPDX-License-Identifier: MIT */
/* PINGREQ and DISCONNECT: the connection-maintenance packets. */
#include "service/conn.h"
#include "service/dispatch.h"

int handle_pingreq(struct conn *c)
{
    struct mqtt_packet p = {.type = MQTT_PKT_PINGRESP};
    return conn_send(c, &p);
}

int handle_disconnect(struct conn *c, const struct mqtt_disconnect *p)
{
    (void)p;
    /* MQTT-3.14.4-3: a DISCONNECT discards the will. */
    c->send_will = false;
    conn_close(c, "client sent DISCONNECT");
    return 0;
}
