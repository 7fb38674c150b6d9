/* SPDX-License-Identifier: MIT */
/* Ownership helpers and load-time checks of the listeners' TLS options (common/cfg_tls.h). */
#include "common/cfg_tls.h"

#include "common/mem.h"

#include <stdlib.h>

void cfg_tls_cleanup(struct cfg_tls *t)
{
    x_clear(&t->certfile);
    x_clear(&t->keyfile);
    x_clear(&t->cafile);
    x_clear(&t->capath);
    x_clear(&t->crlfile);
    x_clear(&t->dhparamfile);
    x_clear(&t->ciphers);
    x_clear(&t->ciphers_tls13);
    x_clear(&t->psk_hint);
}

void cfg_tls_copy(struct cfg_tls *dst, const struct cfg_tls *src)
{
    *dst = *src;
    dst->certfile = xstrdup(src->certfile);
    dst->keyfile = xstrdup(src->keyfile);
    dst->cafile = xstrdup(src->cafile);
    dst->capath = xstrdup(src->capath);
    dst->crlfile = xstrdup(src->crlfile);
    dst->dhparamfile = xstrdup(src->dhparamfile);
    dst->ciphers = xstrdup(src->ciphers);
    dst->ciphers_tls13 = xstrdup(src->ciphers_tls13);
    dst->psk_hint = xstrdup(src->psk_hint);
}

bool cfg_tls_is_enabled(const struct cfg_tls *t)
{
    return t->certfile != NULL || t->psk_hint != NULL;
}

/* The first option given that only makes sense on a TLS listener, or NULL. */
static const char *first_tls_only_option(const struct cfg_tls *t)
{
    if (t->cafile)
        return "cafile";
    if (t->capath)
        return "capath";
    if (t->crlfile)
        return "crlfile";
    if (t->dhparamfile)
        return "dhparamfile";
    if (t->ciphers)
        return "ciphers";
    if (t->ciphers_tls13)
        return "ciphers_tls1.3";
    if (t->require_certificate)
        return "require_certificate";
    if (t->use_identity_as_username)
        return "use_identity_as_username";
    if (t->use_subject_as_username)
        return "use_subject_as_username";
    return NULL;
}

/* The first option given that needs a certificate, for a PSK listener; or NULL. */
static const char *first_cert_only_option(const struct cfg_tls *t)
{
    if (t->cafile)
        return "cafile";
    if (t->capath)
        return "capath";
    if (t->crlfile)
        return "crlfile";
    if (t->require_certificate)
        return "require_certificate";
    if (t->use_subject_as_username)
        return "use_subject_as_username";
    return NULL;
}

/* The problem with one listener's TLS options as a static message, or NULL. `what`
 * receives the option name for messages that need one. */
static const char *problem(const struct cfg *c, const struct cfg_tls *t, const char **what)
{
    if (t->certfile && !t->keyfile)
        return "'certfile' is given without 'keyfile'";
    if (t->keyfile && !t->certfile)
        return "'keyfile' is given without 'certfile'";
    if (t->psk_hint && t->certfile)
        return "'psk_hint' (TLS-PSK) and 'certfile' cannot be combined on one listener";
    if (t->psk_hint && !c->psk_file)
        return "'psk_hint' needs a 'psk_file' with the PSK identities and keys";
    if (!cfg_tls_is_enabled(t) && (*what = first_tls_only_option(t)) != NULL)
        return "has no effect without 'certfile' and 'keyfile' (or 'psk_hint'); the "
               "listener would accept plain connections";
    if (t->psk_hint && (*what = first_cert_only_option(t)) != NULL)
        return "needs a certificate listener; TLS-PSK listeners use no certificates";
    if ((t->require_certificate || t->crlfile) && !t->cafile && !t->capath)
        return "'require_certificate' and 'crlfile' need 'cafile' or 'capath' to verify "
               "client certificates";
    if (t->certfile && (t->use_identity_as_username || t->use_subject_as_username) && !t->cafile &&
        !t->capath)
        return "'use_identity_as_username' and 'use_subject_as_username' need 'cafile' or "
               "'capath' to verify client certificates";
    if (t->use_identity_as_username && t->use_subject_as_username)
        return "'use_identity_as_username' and 'use_subject_as_username' exclude each other";
    return NULL;
}

int cfg_tls_validate(const struct cfg *c, struct err_detail *d)
{
    for (size_t i = 0; i < c->n_listeners; i++) {
        const struct cfg_listener *li = &c->listeners[i];
        const char *what = NULL;
        const char *msg = problem(c, &li->tls, &what);
        if (!msg)
            continue;
        return err_set(d, ERR_CONFIG, li->src_file ? li->src_file : "(config)", li->src_line,
                       "listener on port %u: %s%s%s%s", li->port, what ? "'" : "", what ? what : "",
                       what ? "' " : "", msg);
    }
    return 0;
}
