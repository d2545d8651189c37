/*
 * api_gateway_keys.c — POST /api/v1/gateway/data-keys: the data keys a
 * gateway needs for transparent field encryption (docs/CRYPTO.md, "Field
 * encryption at the gateway").
 *
 * The reply is the data keys file `rampart sync` writes beside the bundle
 * (text/plain, one "rpgk1 APP/FIELD VERSION ALGORITHM HEX" line per
 * version): every version of every data key whose application part names
 * a registered application, so envelopes of any version open and the
 * newest seals. Only each version's encryption subkey leaves rampartd, never
 * its blind-index or token keys. Gateway tokens only (authz.c); the route
 * is a POST, so the dispatcher's intent record is written before any key
 * leaves, and the result record names the keys and versions delivered
 * (never material).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "audit_hook.h"
#include "keyring.h"
#include "secret.h"
#include "store_keys.h"

#define VERSIONS_MAX 4096

typedef struct {
    uint32_t v[VERSIONS_MAX];
    size_t n;
} gw_versions_t;

static int collect_version(void *ctx, const store_key_version_t *v)
{
    gw_versions_t *a = ctx;
    if (a->n < VERSIONS_MAX)
        a->v[a->n++] = v->version;
    return 0;
}

/* One line per version into out (at most cap bytes); -1 on a key that
 * will not unwrap. */
static int put_key(http_req_t *r, const store_key_t *k, const gw_versions_t *vs, char *out,
                   size_t cap, size_t *at, json_t *delivered)
{
    static const char hex[] = "0123456789abcdef";
    json_t *versions = json_array();
    for (size_t i = 0; i < vs->n; i++) {
        const key_handle_t *h;
        if (keyring_get(r->ctl->keyring, k->name, vs->v[i], &h) != KEYRING_OK) {
            json_decref(versions);
            return -1;
        }
        char material[65];
        for (size_t b = 0; b < h->enc_len; b++) {
            material[2 * b] = hex[h->enc[b] >> 4];
            material[2 * b + 1] = hex[h->enc[b] & 15];
        }
        material[2 * h->enc_len] = '\0';
        int n = snprintf(out + *at, cap - *at, "rpgk1 %s %u %s %s\n", k->name, vs->v[i],
                         k->alg == RP_AEAD_AES_256_GCM ? "aes-256-gcm" : "sm4-gcm", material);
        secret_wipe(material, sizeof(material));
        if (n < 0 || (size_t)n >= cap - *at) {
            json_decref(versions);
            return -1;
        }
        *at += (size_t)n;
        json_array_append_new(versions, json_integer(vs->v[i]));
    }
    json_array_append_new(delivered, json_pack("{s:s, s:o}", "key", k->name, "versions", versions));
    return 0;
}

enum MHD_Result api_gateway_data_keys(http_req_t *r)
{
    store_t *s = r->ctl->store;
    if (!r->ctl->keyring || !s->keys)
        return http_reply_error(r, 503, "keys_unavailable", "key management is not running");
    audit_note(r, "key.gateway_delivery", NULL);
    store_key_array_t a = {NULL, 0, 0};
    int rc = s->keys->list(s, store_key_array_add, &a);
    gw_versions_t *vs = malloc(sizeof(*vs));
    /* a line is at most 6 + 32 + 11 + 12 + 64 + 4 bytes */
    size_t cap = 0, at = 0;
    char *out = NULL;
    json_t *delivered = json_array();
    int failed = rc != STORE_OK || !vs;
    size_t total = 0;
    for (size_t i = 0; !failed && i < a.n; i++) {
        store_app_t app;
        if (s->ops->app_get(s, a.keys[i].app, &app) != STORE_OK)
            continue; /* not an application's key: the gateway has no use for it */
        vs->n = 0;
        if (s->keys->versions(s, a.keys[i].id, collect_version, vs) != STORE_OK) {
            failed = 1;
            break;
        }
        total += vs->n;
        size_t need = at + vs->n * 160 + 1;
        if (need > cap) {
            /* grow by copying into a fresh block and wiping the old one */
            size_t ncap = need * 2;
            char *more = malloc(ncap);
            if (!more) {
                failed = 1;
                break;
            }
            if (out) {
                memcpy(more, out, at);
                secret_wipe(out, cap);
                free(out);
            }
            out = more;
            cap = ncap;
        }
        if (put_key(r, &a.keys[i], vs, out, cap, &at, delivered) != 0) {
            failed = 2;
            break;
        }
    }
    free(a.keys);
    free(vs);
    audit_detail(r, "keys", delivered);
    audit_detail(r, "versions", json_integer((json_int_t)total));
    if (failed) {
        if (out) {
            secret_wipe(out, cap);
            free(out);
        }
        if (failed == 2)
            return http_reply_error(r, 503, "key_unavailable",
                                    "a data key version does not unwrap with the master key");
        return api_store_error(r, rc != STORE_OK ? rc : STORE_ERROR);
    }
    if (!out)
        return http_reply(r, 200, "text/plain; charset=utf-8", NULL, 0);
    return http_reply(r, 200, "text/plain; charset=utf-8", out, at);
}
