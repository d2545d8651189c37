/*
 * fieldenc.h — transparent field encryption at the gateway (docs/CRYPTO.md,
 * "Field encryption at the gateway"; the policy's "encrypt" directive in
 * docs/POLICY.md).
 *
 * Configured JSON and form fields of configured routes are sealed into
 * rpe1. envelopes in request bodies before the application sees them, and
 * opened again in JSON responses for viewers whose roles or groups may see
 * them; everyone else gets the field's masked form. The data keys come
 * from a file rampart sync writes (rp_data_keys_load).
 */
#ifndef RAMPART_FIELDENC_H
#define RAMPART_FIELDENC_H

#include <stdbool.h>
#include <stddef.h>

#include "rampart/masking.h"
#include "rampart/policy.h"
#include "rampart/status.h"
#include "rampart/transaction.h"

/* The data keys a gateway holds: every version of each key it was given
 * (all open envelopes; the newest seals). Reference-counted, so a host can
 * load a new file while transactions still use the old set. */
typedef struct rp_data_keys rp_data_keys_t;

/* Reads a data keys file (lines "rpgk1 APP/FIELD VERSION ALGORITHM HEX",
 * see docs/CRYPTO.md). The file must not be readable or writable by group
 * or others. NULL with err filled (file, line, reason; never key bytes). */
rp_data_keys_t *rp_data_keys_load(const char *path, rp_error_t *err);
/* The same from memory; name is used as the file name in errors. */
rp_data_keys_t *rp_data_keys_parse(const char *text, size_t len, const char *name, rp_error_t *err);
rp_data_keys_t *rp_data_keys_ref(rp_data_keys_t *k);
/* Drops a reference; the last one wipes the key material. NULL is fine. */
void rp_data_keys_unref(rp_data_keys_t *k);
/* Key versions held. */
size_t rp_data_keys_count(const rp_data_keys_t *k);

/* Does an "encrypt" rule cover this path? */
bool rp_policy_fieldenc_route(const rp_policy_t *p, const char *path, size_t len);

/* Before the request body is fed: path is the host's normalised path;
 * mode the application's encryption switch (block: seal requests and open
 * responses; detect: requests pass unchanged and the event counts the
 * fields that would be sealed, responses are opened; off: nothing);
 * content_type the request's; keys may be NULL (a route that needs a key
 * then refuses bodies); viewer NULL without a valid session. Strings are
 * copied, keys referenced until rp_tx_free. */
void rp_tx_set_fieldenc(rp_tx_t *tx, const char *path, size_t path_len, rp_mode_t mode,
                        rp_data_keys_t *keys, const char *content_type, size_t content_type_len,
                        const rp_viewer_t *viewer);

/* After rp_tx_request_end: does the host have to replace the request
 * body? RP_OK with *out and *out_len the new body (valid until rp_tx_free),
 * RP_DECLINED when the body stays as it is, RP_BLOCK when the body must
 * not be forwarded (the verdict then says why and with which status). */
rp_status_t rp_tx_fieldenc_request_body(rp_tx_t *tx, const void **out, size_t *out_len);

#endif
