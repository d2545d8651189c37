/*
 * identity_token.c — rpt1 session tokens and rph1 hand-offs
 * (docs/IDENTITY.md): strict parsing of the claims, HMAC-SHA-256 / HMAC-SM3
 * verification (RFC 2104; constant-time compare), expiry, idle timeout,
 * revocation, and re-signing for the sliding idle timeout.
 *
 * The MAC is checked before the claims are parsed, so only rampartd's own
 * text reaches the claims parser in practice; it is strict all the same
 * (and fuzzed: tests/fuzz/fuzz_identity_claims.c).
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "identity_cache.h"
#include "identity_t.h"
#include "normalize.h"

const char *rp_id_status_name(rp_id_status_t s)
{
    switch (s) {
    case RP_ID_OK:
        return "ok";
    case RP_ID_MALFORMED:
        return "malformed";
    case RP_ID_UNKNOWN_KEY:
        return "unknown-key";
    case RP_ID_FORGED:
        return "forged";
    case RP_ID_EXPIRED:
        return "expired";
    case RP_ID_IDLE:
        return "idle";
    case RP_ID_REVOKED:
        return "revoked";
    case RP_ID_NONCE:
        return "wrong-nonce";
    case RP_ID_REPLAYED:
        return "replayed";
    case RP_ID_NO_SESSION:
        return "no-session";
    }
    return "unknown";
}

/* ---- encodings ---- */

/* base64url alphabet value of each byte, -1 outside it */
static const signed char b64url_table[256] = {
    ['A'] = 0,  ['B'] = 1,  ['C'] = 2,  ['D'] = 3,  ['E'] = 4,  ['F'] = 5,  ['G'] = 6,  ['H'] = 7,
    ['I'] = 8,  ['J'] = 9,  ['K'] = 10, ['L'] = 11, ['M'] = 12, ['N'] = 13, ['O'] = 14, ['P'] = 15,
    ['Q'] = 16, ['R'] = 17, ['S'] = 18, ['T'] = 19, ['U'] = 20, ['V'] = 21, ['W'] = 22, ['X'] = 23,
    ['Y'] = 24, ['Z'] = 25, ['a'] = 26, ['b'] = 27, ['c'] = 28, ['d'] = 29, ['e'] = 30, ['f'] = 31,
    ['g'] = 32, ['h'] = 33, ['i'] = 34, ['j'] = 35, ['k'] = 36, ['l'] = 37, ['m'] = 38, ['n'] = 39,
    ['o'] = 40, ['p'] = 41, ['q'] = 42, ['r'] = 43, ['s'] = 44, ['t'] = 45, ['u'] = 46, ['v'] = 47,
    ['w'] = 48, ['x'] = 49, ['y'] = 50, ['z'] = 51, ['0'] = 52, ['1'] = 53, ['2'] = 54, ['3'] = 55,
    ['4'] = 56, ['5'] = 57, ['6'] = 58, ['7'] = 59, ['8'] = 60, ['9'] = 61, ['-'] = 62, ['_'] = 63,
};

/* 'A' maps to 0 like every byte the initialiser leaves out: tell them apart */
static int b64url_value(unsigned char c)
{
    return b64url_table[c] || c == 'A' ? b64url_table[c] : -1;
}

size_t rp_id_b64url_decode(const char *s, size_t len, uint8_t *out, size_t cap)
{
    if (len % 4 == 1 || len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0) > cap)
        return SIZE_MAX;
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        int v = b64url_value((unsigned char)s[i]);
        if (v < 0)
            return SIZE_MAX;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    /* leftover bits must be zero: one encoding per byte string */
    if (bits && (acc & ((1u << bits) - 1)))
        return SIZE_MAX;
    return o;
}

static int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

size_t rp_id_pct_decode(const char *s, size_t len, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < len && o + 1 < cap; i++) {
        if (s[i] == '%' && i + 2 < len && hex_value((unsigned char)s[i + 1]) >= 0 &&
            hex_value((unsigned char)s[i + 2]) >= 0) {
            out[o++] = (char)(hex_value((unsigned char)s[i + 1]) << 4 |
                              hex_value((unsigned char)s[i + 2]));
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return o;
}

/* ---- claims ---- */

/* A claim value: unreserved characters and %XX only. */
static bool value_ok(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%') {
            if (i + 2 >= len || hex_value((unsigned char)s[i + 1]) < 0 ||
                hex_value((unsigned char)s[i + 2]) < 0)
                return false;
            i += 2;
        } else if (!rp_id_unreserved(c)) {
            return false;
        }
    }
    return true;
}

static bool b64url_chars(const char *s, size_t len, size_t want)
{
    if (len != want)
        return false;
    for (size_t i = 0; i < len; i++)
        if (b64url_value((unsigned char)s[i]) < 0)
            return false;
    return true;
}

bool rp_id_decimal(const char *s, size_t len, uint64_t *out)
{
    if (len == 0 || len > 18 || (len > 1 && s[0] == '0'))
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = v;
    return true;
}

/* Take "key=value" at *pos (first: no leading '&'). */
static bool take(const char *t, size_t len, size_t *pos, const char *key, bool first,
                 rp_id_str_t *v)
{
    size_t i = *pos, kl = strlen(key);
    if (!first) {
        if (i >= len || t[i] != '&')
            return false;
        i++;
    }
    if (len - i < kl + 1 || memcmp(t + i, key, kl) != 0 || t[i + kl] != '=')
        return false;
    i += kl + 1;
    size_t start = i;
    while (i < len && t[i] != '&')
        i++;
    v->p = t + start;
    v->len = i - start;
    *pos = i;
    return value_ok(v->p, v->len);
}

static bool take_number(const char *t, size_t len, size_t *pos, const char *key, int64_t *out)
{
    rp_id_str_t v;
    uint64_t n;
    if (!take(t, len, pos, key, false, &v) || !rp_id_decimal(v.p, v.len, &n))
        return false;
    *out = (int64_t)n;
    return true;
}

rp_id_status_t rp_id_claims_parse(const char *text, size_t len, bool handoff, rp_id_claims_t *c)
{
    if (len >= sizeof(c->text))
        return RP_ID_MALFORMED;
    memcpy(c->text, text, len);
    c->text[len] = '\0';
    c->text_len = len;
    const char *t = c->text;
    size_t pos = 0;
    if (!take(t, len, &pos, "sid", true, &c->sid) ||
        !b64url_chars(c->sid.p, c->sid.len, RP_ID_SID_LEN))
        return RP_ID_MALFORMED;
    if (!take(t, len, &pos, "uid", false, &c->uid_text) ||
        !rp_id_decimal(c->uid_text.p, c->uid_text.len, &c->uid))
        return RP_ID_MALFORMED;
    if (!take(t, len, &pos, "sub", false, &c->sub) || c->sub.len == 0 ||
        !take(t, len, &pos, "ro", false, &c->ro) || !take(t, len, &pos, "gr", false, &c->gr) ||
        !take(t, len, &pos, "amr", false, &c->amr))
        return RP_ID_MALFORMED;
    if (!take_number(t, len, &pos, "iat", &c->iat) || !take_number(t, len, &pos, "act", &c->act) ||
        !take_number(t, len, &pos, "exp", &c->exp) || !take_number(t, len, &pos, "idl", &c->idl))
        return RP_ID_MALFORMED;
    c->n = (rp_id_str_t){NULL, 0};
    c->hx = 0;
    if (handoff && (!take(t, len, &pos, "n", false, &c->n) ||
                    !b64url_chars(c->n.p, c->n.len, RP_ID_NONCE_LEN) ||
                    !take_number(t, len, &pos, "hx", &c->hx)))
        return RP_ID_MALFORMED;
    if (pos != len)
        return RP_ID_MALFORMED; /* a claim more: unknown or duplicated */
    if (c->act < c->iat || c->exp <= c->iat || c->idl <= 0)
        return RP_ID_MALFORMED;
    return RP_ID_OK;
}

/* ---- tokens ---- */

typedef struct {
    rp_id_str_t kid, payload, mac;
    size_t signed_len; /* prefix + kid + payload: what the MAC covers */
} parts_t;

static bool split(const char *tok, size_t len, const char *prefix, parts_t *p)
{
    size_t pl = strlen(prefix);
    if (len <= pl || len > RP_ID_TOKEN_MAX || memcmp(tok, prefix, pl) != 0)
        return false;
    const char *s = tok + pl, *end = tok + len;
    const char *d1 = memchr(s, '.', (size_t)(end - s));
    if (!d1)
        return false;
    const char *d2 = memchr(d1 + 1, '.', (size_t)(end - d1 - 1));
    if (!d2 || memchr(d2 + 1, '.', (size_t)(end - d2 - 1)))
        return false;
    p->kid = (rp_id_str_t){s, (size_t)(d1 - s)};
    p->payload = (rp_id_str_t){d1 + 1, (size_t)(d2 - d1 - 1)};
    p->mac = (rp_id_str_t){d2 + 1, (size_t)(end - d2 - 1)};
    p->signed_len = (size_t)(d2 - tok);
    return p->kid.len >= 1 && p->kid.len <= RP_ID_KID_MAX && p->payload.len > 0 &&
           p->mac.len == RP_ID_MAC_B64;
}

/* kid lookup and MAC: RP_ID_OK, RP_ID_UNKNOWN_KEY or RP_ID_FORGED. */
static rp_id_status_t verify_mac(const rp_id_keys_t *keys, const char *tok, const parts_t *p,
                                 int64_t now)
{
    const rp_id_key_t *key = rp_id_key_find(keys, p->kid.p, p->kid.len, now);
    if (!key)
        return RP_ID_UNKNOWN_KEY;
    uint8_t want[RP_ID_MAC_LEN], got[RP_ID_MAC_LEN + 2];
    if (rp_id_b64url_decode(p->mac.p, p->mac.len, got, sizeof(got)) != RP_ID_MAC_LEN)
        return RP_ID_MALFORMED;
    if (!rp_id_mac(key, tok, p->signed_len, want))
        return RP_ID_FORGED;
    return CRYPTO_memcmp(want, got, RP_ID_MAC_LEN) == 0 ? RP_ID_OK : RP_ID_FORGED;
}

static rp_id_status_t decode_claims(const parts_t *p, bool handoff, rp_id_claims_t *out)
{
    char raw[RP_ID_TOKEN_MAX];
    size_t n = rp_id_b64url_decode(p->payload.p, p->payload.len, (uint8_t *)raw, sizeof(raw));
    if (n == SIZE_MAX)
        return RP_ID_MALFORMED;
    return rp_id_claims_parse(raw, n, handoff, out);
}

/* Time and revocation: what is checked on every request, cached or not. */
static rp_id_status_t live(const rp_id_revocations_t *rev, const rp_id_claims_t *c, int64_t now)
{
    if (c->iat > now + RP_ID_SKEW)
        return RP_ID_FORGED;
    if (now >= c->exp)
        return RP_ID_EXPIRED;
    if (now - c->act > c->idl)
        return RP_ID_IDLE;
    if (rp_id_revoked(rev, c->sid.p, c->sid.len, c->uid, c->iat))
        return RP_ID_REVOKED;
    return RP_ID_OK;
}

rp_id_status_t rp_id_session_check(const rp_id_keys_t *keys, const rp_id_revocations_t *rev,
                                   const char *token, size_t len, int64_t now, rp_id_claims_t *out)
{
    if (!token || len == 0)
        return RP_ID_NO_SESSION;
    parts_t p;
    if (!split(token, len, "rpt1.", &p))
        return RP_ID_MALFORMED;
    if (!keys)
        return RP_ID_UNKNOWN_KEY;
    /* a token verified before under this key set skips the HMAC and the
     * parse; the key must still be usable now */
    if (rp_id_cache_hit(keys->serial, token, len, out)) {
        if (!rp_id_key_find(keys, p.kid.p, p.kid.len, now))
            return RP_ID_UNKNOWN_KEY;
    } else {
        rp_id_status_t s = verify_mac(keys, token, &p, now);
        if (s != RP_ID_OK)
            return s;
        if ((s = decode_claims(&p, false, out)) != RP_ID_OK)
            return s;
        rp_id_cache_put(keys->serial, token, len, out);
    }
    return live(rev, out, now);
}

bool rp_id_session_refresh_due(const rp_id_claims_t *c, int64_t now)
{
    int64_t every = c->idl / 4 < 60 ? c->idl / 4 : 60;
    return now - c->act > every;
}

static const rp_id_key_t *newest_key(const rp_id_keys_t *keys, int64_t now)
{
    for (size_t i = keys ? keys->n : 0; i-- > 0;)
        if (keys->keys[i].not_after == 0 || now < keys->keys[i].not_after)
            return &keys->keys[i];
    return NULL;
}

size_t rp_id_session_sign(const rp_id_keys_t *keys, const rp_id_claims_t *c, int64_t act,
                          int64_t now, char *out, size_t cap)
{
    const rp_id_key_t *key = newest_key(keys, now);
    if (!key)
        return 0;
    char claims[RP_ID_TOKEN_MAX];
    int n =
        snprintf(claims, sizeof(claims),
                 "sid=%.*s&uid=%llu&sub=%.*s&ro=%.*s&gr=%.*s&amr=%.*s&iat=%lld&act=%lld&exp=%lld"
                 "&idl=%lld",
                 (int)c->sid.len, c->sid.p, (unsigned long long)c->uid, (int)c->sub.len, c->sub.p,
                 (int)c->ro.len, c->ro.p, (int)c->gr.len, c->gr.p, (int)c->amr.len, c->amr.p,
                 (long long)c->iat, (long long)act, (long long)c->exp, (long long)c->idl);
    if (n < 0 || (size_t)n >= sizeof(claims))
        return 0;
    size_t need = 5 + key->kid_len + 1 + ((size_t)n * 4 + 2) / 3 + 1 + RP_ID_MAC_B64 + 1;
    if (need > cap || need > RP_ID_TOKEN_MAX)
        return 0;
    size_t o = 0;
    memcpy(out, "rpt1.", 5);
    o = 5;
    memcpy(out + o, key->kid, key->kid_len);
    o += key->kid_len;
    out[o++] = '.';
    o += rp_base64url_encode(out + o, (const uint8_t *)claims, (size_t)n);
    uint8_t mac[RP_ID_MAC_LEN];
    if (!rp_id_mac(key, out, o, mac))
        return 0;
    out[o++] = '.';
    o += rp_base64url_encode(out + o, mac, sizeof(mac));
    out[o] = '\0';
    return o;
}

rp_id_status_t rp_id_handoff_check(const rp_id_keys_t *keys, const rp_id_revocations_t *rev,
                                   const char *handoff, size_t len, const char *nonce,
                                   size_t nonce_len, int64_t now, rp_id_claims_t *out)
{
    parts_t p;
    if (!handoff || !split(handoff, len, "rph1.", &p))
        return RP_ID_MALFORMED;
    rp_id_status_t s = verify_mac(keys, handoff, &p, now);
    if (s != RP_ID_OK)
        return s;
    if ((s = decode_claims(&p, true, out)) != RP_ID_OK)
        return s;
    if (now > out->hx)
        return RP_ID_EXPIRED;
    if (!nonce || nonce_len != out->n.len || CRYPTO_memcmp(nonce, out->n.p, RP_ID_NONCE_LEN) != 0)
        return RP_ID_NONCE;
    return live(rev, out, now);
}
