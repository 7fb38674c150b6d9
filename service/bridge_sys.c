/* SPDX-License-Identifier: MIT */
/* Bridge visibility: the $SYS/broker/bridge/<name>/... topics (published with the $SYS
 * tree, only when a value changed) and the `bridges` array of the control socket's
 * stats. */
#include "service/ctl_internal.h"
#include "service/bridge_priv.h"
#include "service/msg.h"
#include "service/route.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

enum { SYS_STATE, SYS_ADDRESS, SYS_SENT, SYS_RECEIVED, SYS_QUEUED, SYS_CONNECTS };

static const char *const sys_names[BRIDGE_SYS_VALUES] = {
    [SYS_STATE] = "state",
    [SYS_ADDRESS] = "address",
    [SYS_SENT] = "messages/sent",
    [SYS_RECEIVED] = "messages/received",
    [SYS_QUEUED] = "messages/queued",
    [SYS_CONNECTS] = "connects",
};

static void sys_values(const struct bridge_info *in, char out[][BRIDGE_SYS_LEN])
{
    snprintf(out[SYS_STATE], BRIDGE_SYS_LEN, "%s", in->state);
    snprintf(out[SYS_ADDRESS], BRIDGE_SYS_LEN, "%s", in->address);
    snprintf(out[SYS_SENT], BRIDGE_SYS_LEN, "%" PRIu64, in->msgs_out);
    snprintf(out[SYS_RECEIVED], BRIDGE_SYS_LEN, "%" PRIu64, in->msgs_in);
    snprintf(out[SYS_QUEUED], BRIDGE_SYS_LEN, "%" PRIu64, in->queued);
    snprintf(out[SYS_CONNECTS], BRIDGE_SYS_LEN, "%" PRIu64, in->connects);
}

size_t bridge_sys_publish(struct broker *b)
{
    size_t n = 0;
    for (size_t i = 0; i < bridge_count(b); i++) {
        struct bridge *br = b->bridges->v[i];
        struct bridge_info in;
        char v[BRIDGE_SYS_VALUES][BRIDGE_SYS_LEN];
        bridge_info_get(b, i, &in);
        sys_values(&in, v);
        for (size_t k = 0; k < BRIDGE_SYS_VALUES; k++) {
            if (strcmp(v[k], br->sys_last[k]) == 0)
                continue;
            memcpy(br->sys_last[k], v[k], BRIDGE_SYS_LEN);
            char topic[400];
            snprintf(topic, sizeof topic, "$SYS/broker/bridge/%.200s/%s", br->cfg->name,
                     sys_names[k]);
            struct msg *m =
                msg_new(topic, strlen(topic), v[k], strlen(v[k]), 0, true, broker_next_msg_id(b));
            route_publish(b, m);
            msg_unref(m);
            n++;
        }
    }
    return n;
}

cJSON *bridge_ctl_json(struct broker *b)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < bridge_count(b); i++) {
        struct bridge_info in;
        bridge_info_get(b, i, &in);
        cJSON *o = ctl_json_object();
        ctl_json_add_str(o, "name", in.name);
        ctl_json_add_str(o, "state", in.state);
        ctl_json_add_str(o, "address", in.address);
        ctl_json_add_u64(o, "messages_sent", in.msgs_out);
        ctl_json_add_u64(o, "messages_received", in.msgs_in);
        ctl_json_add_u64(o, "messages_queued", in.queued);
        ctl_json_add_u64(o, "connects", in.connects);
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}
