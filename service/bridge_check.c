/* SPDX-License-Identifier: MIT */
/* Start-up and `midge -t` checks of the bridge blocks (service/bridge.h): TLS files load,
 * and for -t every remote host name resolves. */
#include "service/bridge.h"
#include "service/tls.h"

int bridge_config_check(const struct cfg *c, bool resolve, struct err_detail *d)
{
    for (size_t i = 0; i < c->n_bridges; i++) {
        const struct cfg_bridge *br = &c->bridges[i];
        if (br->cafile || br->capath || br->psk) {
            struct tls_ctx *ctx = NULL;
            int rc = tls_client_ctx_new(br, &ctx, d);
            tls_ctx_free(ctx);
            if (rc < 0)
                return rc;
        }
        for (size_t k = 0; resolve && k < br->n_addrs; k++) {
            struct plat_addr a;
            struct err_detail r = {{0}, {0}, 0};
            int rc = plat_net_resolve(br->addrs[k].host, br->addrs[k].port, PLAT_AF_ANY, false, &a,
                                      1, &r);
            if (rc < 0)
                return err_set(d, ERR_CONFIG, br->src_file, br->src_line,
                               "bridge '%.100s': cannot resolve remote host '%.200s': %.300s",
                               br->name, br->addrs[k].host, r.msg[0] ? r.msg : err_str(rc));
        }
    }
    return 0;
}
