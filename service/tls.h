/* SPDX-License-Identifier: MIT */
/* TLS as a transport layer between the socket and the MQTT framing. The connection code
 * keeps reading and writing raw bytes with plat_sock_read/plat_sock_write; a TLS
 * connection hands the ciphertext it read to tls_conn_put, takes the plaintext out with
 * tls_conn_read, and before writing turns its plaintext output into records with
 * tls_conn_seal. No socket is ever given to the TLS library (memory buffers only), so
 * the same code serves every platform. CMake links exactly one implementation:
 * tls_openssl.c (OpenSSL 3) or tls_none.c (no TLS; every constructor returns
 * ERR_NOTSUP). Everything runs on the loop thread. */
#ifndef MIDGE_SERVICE_TLS_H
#define MIDGE_SERVICE_TLS_H

#include "common/buf.h"
#include "common/cfg.h"
#include "common/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tls_server; /* broker-wide state: the TLS-PSK keys of psk_file */
struct tls_ctx;    /* one listener's certificate, CA, CRL, versions and ciphers */
struct tls_conn;   /* one connection's TLS state and its pending ciphertext */

/* Initialise the TLS library without reading any system configuration file (every path
 * comes from midge's own configuration). Call first thing in main(), before anything
 * else uses the crypto library. Idempotent; returns 0 or ERR_NOTSUP without TLS. */
int tls_library_init(void);

/* Create the broker-wide state (caller-owned, tls_server_free). Returns 0, or
 * ERR_NOTSUP in a build without TLS. */
int tls_server_new(struct tls_server **out);
/* Free s; the contexts and connections made from it must be gone. NULL is a no-op. */
void tls_server_free(struct tls_server *s);
/* Read the PSK file at path (NULL: no keys) into s, replacing the previous keys. Bad
 * lines are logged as file:line and skipped. When the file cannot be read the old keys
 * stay, *d is filled and the read error returned. */
int tls_server_load_psk(struct tls_server *s, const char *path, struct err_detail *d);

/* Build the context of a TLS listener from lc->tls (lc borrowed; the files are read
 * now). Returns 0 and the new context in *out (caller-owned), or ERR_CONFIG/ERR_IO/...
 * with *d saying which file and why (certificate or key unreadable, key not matching
 * the certificate, bad CA, CRL, DH parameters or cipher list). s must outlive the
 * context's connections. */
int tls_ctx_new(struct tls_server *s, const struct cfg_listener *lc, struct tls_ctx **out,
                struct err_detail *d);
/* Drop the listener's reference; connections made from it keep working. NULL no-op. */
void tls_ctx_free(struct tls_ctx *ctx);

/* Load every TLS listener of c (and its psk_file) once and free it again, for
 * `midge -t` and start-up checks. Returns 0 or the first error with *d naming the
 * listener's file:line and the file at fault. */
int tls_config_check(const struct cfg *c, struct err_detail *d);

/* A server-side connection from ctx (tls_conn_free). Returns 0 or ERR_NOMEM. */
int tls_conn_new(struct tls_ctx *ctx, struct tls_conn **out);
/* Free t and its buffers. NULL is a no-op. */
void tls_conn_free(struct tls_conn *t);

/* Take n bytes of ciphertext read from the socket (copied). Returns 0 or ERR_NOMEM. */
int tls_conn_put(struct tls_conn *t, const uint8_t *data, size_t n);
/* Decrypt into out (cap bytes), running the handshake as needed. Returns the number of
 * plaintext bytes (> 0), ERR_AGAIN when more ciphertext is needed, ERR_CLOSED when the
 * peer closed the TLS session, or ERR_PROTOCOL for a TLS failure (bad handshake, plain
 * MQTT, garbage, failed certificate check) whose reason tls_conn_error gives. */
long tls_conn_read(struct tls_conn *t, uint8_t *out, size_t cap);
/* Encrypt all of *plain (then emptied) once the handshake is done, and move every
 * pending record (handshake messages, alerts, data) into the wire buffer. Returns 0 or
 * ERR_PROTOCOL (the plaintext is dropped). */
int tls_conn_seal(struct tls_conn *t, struct buf *plain);
/* The ciphertext waiting to be written to the socket (borrowed from t; the caller
 * consumes what it wrote). */
struct buf *tls_conn_wire(struct tls_conn *t);
/* True when records are waiting to be sealed into the wire buffer (for example the
 * handshake's answer), so the connection needs a flush. */
bool tls_conn_has_output(const struct tls_conn *t);
/* True once the handshake has completed. */
bool tls_conn_is_established(const struct tls_conn *t);
/* Static-lifetime-of-t text of the last TLS failure ("" if none). */
const char *tls_conn_error(const struct tls_conn *t);

/* Client side, for bridges (tls_openssl_client.c). Build the context of bridge br's
 * TLS (CA file/path, client certificate and key, minimum version, or PSK identity and
 * key; br borrowed, files read now). Returns 0 with the caller-owned context in *out
 * (tls_ctx_free), or an error with *d naming the bridge's file:line and the file. */
int tls_client_ctx_new(const struct cfg_bridge *br, struct tls_ctx **out, struct err_detail *d);
/* A client-side connection to host from ctx (tls_conn_free): sends the server name, and
 * when check_host the certificate must match host. The handshake starts on the first
 * tls_conn_read. Returns 0 or ERR_NOMEM. */
int tls_client_conn_new(struct tls_ctx *ctx, const char *host, bool check_host,
                        struct tls_conn **out);

/* The identity the handshake proved: the PSK identity, or of the verified client
 * certificate the common name (subject false) or whole RFC 2253 subject (subject
 * true). Returns 0 with a caller-owned string in *out, or ERR_NOTFOUND when the client
 * sent no certificate (or its subject has no common name). */
int tls_conn_peer_name(const struct tls_conn *t, bool subject, char **out);

#endif
