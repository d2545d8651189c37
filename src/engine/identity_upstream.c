/*
 * identity_upstream.c — the X-Rampart-Identity signature an application
 * verifies (docs/IDENTITY.md, "Identity headers upstream"): HMAC-SHA-256
 * (RFC 2104) under the application's upstream key over the request's
 * method, host and URI and the identity claims, so a header copied from
 * one request cannot vouch for another, and a client cannot forge one.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "identity_t.h"
#include "normalize.h"

#define SIG_PREFIX "rampart-identity-v1\n"

typedef struct {
    char buf[RP_ID_TOKEN_MAX + 2048];
    size_t len;
    bool overflow;
} msg_t;

static void add(msg_t *m, const char *s, size_t len, bool newline)
{
    if (m->overflow || m->len + len + 1 > sizeof(m->buf)) {
        m->overflow = true;
        return;
    }
    memcpy(m->buf + m->len, s, len);
    m->len += len;
    if (newline)
        m->buf[m->len++] = '\n';
}

bool rp_id_upstream_sign(const uint8_t *key, size_t key_len, int64_t t, const char *method,
                         size_t method_len, const char *host, size_t host_len, const char *uri,
                         size_t uri_len, const rp_id_claims_t *c, char sig[44])
{
    if (!key || key_len < RP_ID_UPSTREAM_KEY_MIN)
        return false;
    msg_t m; /* 5 KiB: not zeroed, only its first len bytes are read */
    m.len = 0;
    m.overflow = false;
    char ts[24];
    int tl = snprintf(ts, sizeof(ts), "%lld", (long long)t);
    add(&m, SIG_PREFIX, sizeof(SIG_PREFIX) - 1, false);
    add(&m, ts, (size_t)tl, true);
    add(&m, method, method_len, true);
    add(&m, host, host_len, true);
    add(&m, uri, uri_len, true);
    add(&m, c->sub.p, c->sub.len, true);
    add(&m, c->uid_text.p, c->uid_text.len, true);
    add(&m, c->ro.p, c->ro.len, true);
    add(&m, c->gr.p, c->gr.len, true);
    add(&m, c->amr.p, c->amr.len, false);
    if (m.overflow)
        return false;
    uint8_t mac[32];
    if (!rp_id_hmac(RP_ID_HMAC_SHA256, key, key_len, m.buf, m.len, mac))
        return false;
    char out[48];
    rp_base64url_encode(out, mac, sizeof(mac));
    memcpy(sig, out, 44);
    return true;
}
