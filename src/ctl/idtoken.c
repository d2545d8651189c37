/*
 * idtoken.c — rpt1 tokens and rph1 hand-offs (see idtoken.h).
 */
#include "idtoken.h"

#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idcrypt.h"
#include "secret.h"

static int unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

size_t idtoken_pct(const char *s, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (o + 4 > cap)
            return 0;
        if (unreserved(*p)) {
            out[o++] = (char)*p;
        } else {
            out[o++] = '%';
            out[o++] = hex[*p >> 4];
            out[o++] = hex[*p & 15];
        }
    }
    if (o >= cap)
        return 0;
    out[o] = '\0';
    return o;
}

/* The claims text (encoded); its length or 0. */
static size_t claims_text(const idclaims_t *c, char *out, size_t cap)
{
    char sub[200], ro[3100], gr[3100], amr[100];
    if ((!idtoken_pct(c->sub, sub, sizeof(sub)) && c->sub[0]) ||
        (!idtoken_pct(c->ro, ro, sizeof(ro)) && c->ro[0]) ||
        (!idtoken_pct(c->gr, gr, sizeof(gr)) && c->gr[0]) ||
        (!idtoken_pct(c->amr, amr, sizeof(amr)) && c->amr[0]))
        return 0;
    if (!c->ro[0])
        ro[0] = '\0';
    if (!c->gr[0])
        gr[0] = '\0';
    int n = snprintf(out, cap,
                     "sid=%s&uid=%" PRId64 "&sub=%s&ro=%s&gr=%s&amr=%s&iat=%" PRId64 "&act=%" PRId64
                     "&exp=%" PRId64 "&idl=%" PRId64,
                     c->sid, c->uid, sub, ro, gr, amr, c->iat, c->act, c->exp, c->idl);
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

/* HMAC-SHA-256, or HMAC-SM3 (GB/T 32905) for an hmac-sm3 key: both give
 * 32 bytes. A failed SM3 MAC leaves a zero MAC that matches no token. */
static void mac_of(const idkey_mem_t *key, const char *signed_part, size_t len, char out[44])
{
    unsigned char mac[SECRET_SHA256_LEN] = {0};
    if (strcmp(key->alg, "hmac-sm3") == 0) {
        size_t got = 0;
        if (!EVP_Q_mac(NULL, "HMAC", NULL, "SM3", NULL, key->key, IDKEY_LEN,
                       (const unsigned char *)signed_part, len, mac, sizeof(mac), &got) ||
            got != sizeof(mac))
            memset(mac, 0, sizeof(mac));
    } else {
        secret_hmac_sha256(key->key, IDKEY_LEN, signed_part, len, mac);
    }
    secret_base64url(mac, sizeof(mac), out);
}

/* prefix.kid.b64(text).mac into out. */
static size_t seal(const char *prefix, const idkey_mem_t *key, const char *text, size_t len,
                   char *out, size_t cap)
{
    size_t need = strlen(prefix) + 1 + strlen(key->kid) + 1 + 4 * ((len + 2) / 3) + 1 + 43 + 1;
    if (need > cap || need > IDTOKEN_MAX + 1)
        return 0;
    int n = snprintf(out, cap, "%s.%s.", prefix, key->kid);
    n += (int)secret_base64url((const unsigned char *)text, len, out + n);
    char mac[44];
    mac_of(key, out, (size_t)n, mac);
    n += snprintf(out + n, cap - (size_t)n, ".%s", mac);
    return (size_t)n;
}

size_t idtoken_sign(const idkey_mem_t *key, const idclaims_t *c, char *out, size_t cap)
{
    char text[IDTOKEN_MAX];
    size_t len = claims_text(c, text, sizeof(text));
    return len ? seal("rpt1", key, text, len, out, cap) : 0;
}

size_t idtoken_handoff(const idkey_mem_t *key, const idclaims_t *c, const char *n, int64_t hx,
                       char *out, size_t cap)
{
    char text[IDTOKEN_MAX];
    size_t len = claims_text(c, text, sizeof(text));
    if (!len)
        return 0;
    int extra = snprintf(text + len, sizeof(text) - len, "&n=%s&hx=%" PRId64, n, hx);
    if (extra < 0 || (size_t)extra >= sizeof(text) - len)
        return 0;
    return seal("rph1", key, text, len + (size_t)extra, out, cap);
}

/* ---- verification (the portal's own cookie) ------------------------------------ */

static int decode_pct(const char *s, size_t len, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (o + 1 >= cap)
            return -1;
        if (s[i] == '%') {
            unsigned v;
            if (i + 2 >= len || sscanf(s + i + 1, "%2x", &v) != 1)
                return -1;
            out[o++] = (char)v;
            i += 2;
        } else if (unreserved((unsigned char)s[i])) {
            out[o++] = s[i];
        } else {
            return -1;
        }
    }
    out[o] = '\0';
    return 0;
}

static int take(const char **p, const char *key, char *out, size_t cap)
{
    size_t kl = strlen(key);
    if (strncmp(*p, key, kl) != 0 || (*p)[kl] != '=')
        return -1;
    const char *v = *p + kl + 1;
    size_t n = strcspn(v, "&");
    if (decode_pct(v, n, out, cap))
        return -1;
    *p = v + n + (v[n] == '&');
    return v[n] == '&' || v[n] == '\0' ? 0 : -1;
}

static int take_int(const char **p, const char *key, int64_t *out)
{
    char buf[24], *end;
    if (take(p, key, buf, sizeof(buf)) || !buf[0] || (buf[0] == '0' && buf[1]))
        return -1;
    *out = strtoll(buf, &end, 10);
    return *end || *out < 0 ? -1 : 0;
}

int idtoken_verify(idkeys_t *keys, const char *token, int64_t now, idclaims_t *c)
{
    size_t len = token ? strlen(token) : 0;
    if (len > IDTOKEN_MAX || strncmp(token ? token : "", "rpt1.", 5) != 0)
        return -1;
    const char *kid = token + 5, *dot = strchr(kid, '.');
    if (!dot || dot - kid > 16 || dot == kid)
        return -1;
    char kid_s[17];
    memcpy(kid_s, kid, (size_t)(dot - kid));
    kid_s[dot - kid] = '\0';
    const char *payload = dot + 1, *last = strrchr(payload, '.');
    idkey_mem_t key;
    if (!last || idkeys_find(keys, kid_s, now, &key))
        return -1;
    char mac[44];
    mac_of(&key, token, (size_t)(last - token), mac);
    secret_wipe(&key, sizeof(key));
    if (strlen(last + 1) != 43 || !secret_equal(mac, last + 1, 43))
        return -1;
    char text[IDTOKEN_MAX + 1];
    int n = idcrypt_b64url_decode(payload, (size_t)(last - payload), (unsigned char *)text,
                                  sizeof(text) - 1);
    if (n <= 0 || text[n - 1] == '&')
        return -1;
    text[n] = '\0';
    memset(c, 0, sizeof(*c));
    const char *p = text;
    char uid[24];
    if (take(&p, "sid", c->sid, sizeof(c->sid)) || strlen(c->sid) != IDTOKEN_SID_LEN ||
        take(&p, "uid", uid, sizeof(uid)) || take(&p, "sub", c->sub, sizeof(c->sub)) ||
        take(&p, "ro", c->ro, sizeof(c->ro)) || take(&p, "gr", c->gr, sizeof(c->gr)) ||
        take(&p, "amr", c->amr, sizeof(c->amr)) || take_int(&p, "iat", &c->iat) ||
        take_int(&p, "act", &c->act) || take_int(&p, "exp", &c->exp) ||
        take_int(&p, "idl", &c->idl) || *p)
        return -1;
    char *end;
    c->uid = strtoll(uid, &end, 10);
    if (*end || c->uid <= 0 || uid[0] == '0' || c->act < c->iat || c->exp <= c->iat || c->idl <= 0)
        return -1;
    if (now >= c->exp || now - c->act > c->idl || c->iat > now + 60)
        return -1;
    return 0;
}
