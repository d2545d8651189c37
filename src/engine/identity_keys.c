/*
 * identity_keys.c — the files rampart sync writes for the gateways
 * (docs/IDENTITY.md): session keys ("identity-keys"), the revocation list
 * ("revocations") and an application's upstream key. Each is parsed whole
 * into an immutable object; a host swaps the pointer on change.
 *
 * Revocations are two open-addressing hash sets (sessions by sid, users by
 * uid with their "before" time), so a check per request is two probes.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "identity_t.h"

#define FILE_MAX (64u * 1024 * 1024)

static void set_err(rp_error_t *err, const char *file, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void set_err(rp_error_t *err, const char *file, unsigned line, const char *fmt, ...)
{
    if (!err)
        return;
    snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
    err->line = line;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->reason, sizeof(err->reason), fmt, ap);
    va_end(ap);
}

/* ---- shared line handling ---- */

typedef struct {
    const char *p, *end;
    unsigned line;
} lines_t;

/* The next line (without '\n' and a trailing '\r'), or false at the end. */
static bool next_line(lines_t *l, const char **s, size_t *len)
{
    if (l->p >= l->end)
        return false;
    const char *eol = memchr(l->p, '\n', (size_t)(l->end - l->p));
    if (!eol)
        eol = l->end;
    *s = l->p;
    *len = (size_t)(eol - l->p);
    if (*len && (*s)[*len - 1] == '\r')
        (*len)--;
    l->p = eol + 1;
    l->line++;
    return true;
}

#define MAX_FIELDS 5

/* Split on blanks; returns the count (at most MAX_FIELDS + 1: too many). */
static int fields(const char *s, size_t len, rp_id_str_t *f)
{
    int n = 0;
    size_t i = 0;
    while (i < len) {
        while (i < len && (s[i] == ' ' || s[i] == '\t'))
            i++;
        if (i == len)
            break;
        size_t start = i;
        while (i < len && s[i] != ' ' && s[i] != '\t')
            i++;
        if (n == MAX_FIELDS)
            return MAX_FIELDS + 1;
        f[n].p = s + start;
        f[n].len = i - start;
        n++;
    }
    return n;
}

static bool blank_or_comment(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len && (s[i] == ' ' || s[i] == '\t'))
        i++;
    return i == len || s[i] == '#';
}

static char *read_file(const char *path, size_t *len, rp_error_t *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        set_err(err, path, 0, "cannot open: %s", strerror(errno));
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
        if (n == cap) {
            char *nb = cap >= FILE_MAX ? NULL : realloc(buf, cap * 2);
            if (!nb) {
                OPENSSL_cleanse(buf, n);
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    bool bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        if (buf) {
            OPENSSL_cleanse(buf, n);
            free(buf);
        }
        set_err(err, path, 0, "%s", bad ? "read error" : "too large or out of memory");
        return NULL;
    }
    *len = n;
    return buf;
}

/* ---- session keys ---- */

static atomic_uint_fast64_t key_serials;

static bool kid_ok(const char *s, size_t len)
{
    if (len == 0 || len > RP_ID_KID_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    return true;
}

/* base64url of a key, '=' padding tolerated (rampart sync may write it). */
static size_t key_decode(const char *s, size_t len, uint8_t *out, size_t cap)
{
    while (len && s[len - 1] == '=')
        len--;
    return rp_id_b64url_decode(s, len, out, cap);
}

rp_id_keys_t *rp_id_keys_parse(const char *text, size_t len, const char *name, rp_error_t *err)
{
    rp_id_keys_t *k = calloc(1, sizeof(*k));
    if (!k) {
        set_err(err, name, 0, "out of memory");
        return NULL;
    }
    lines_t l = {text, text + len, 0};
    const char *s;
    size_t sl;
    while (next_line(&l, &s, &sl)) {
        if (blank_or_comment(s, sl))
            continue;
        rp_id_str_t f[MAX_FIELDS];
        if (fields(s, sl, f) != 4) {
            set_err(err, name, l.line, "expected \"KID ALGORITHM KEY NOT_AFTER\"");
            goto fail;
        }
        rp_id_key_t key = {0};
        if (!kid_ok(f[0].p, f[0].len)) {
            set_err(err, name, l.line, "key id must be 1-16 of A-Z a-z 0-9 - _");
            goto fail;
        }
        memcpy(key.kid, f[0].p, f[0].len);
        key.kid_len = f[0].len;
        if (f[1].len == 11 && memcmp(f[1].p, "hmac-sha256", 11) == 0)
            key.alg = RP_ID_HMAC_SHA256;
        else if (f[1].len == 8 && memcmp(f[1].p, "hmac-sm3", 8) == 0)
            key.alg = RP_ID_HMAC_SM3;
        else {
            set_err(err, name, l.line, "algorithm must be hmac-sha256 or hmac-sm3");
            goto fail;
        }
        uint8_t raw[RP_ID_KEY_LEN + 4];
        if (key_decode(f[2].p, f[2].len, raw, sizeof(raw)) != RP_ID_KEY_LEN) {
            OPENSSL_cleanse(raw, sizeof(raw));
            set_err(err, name, l.line, "key %s: not 32 bytes of base64url", key.kid);
            goto fail;
        }
        memcpy(key.key, raw, RP_ID_KEY_LEN);
        OPENSSL_cleanse(raw, sizeof(raw));
        uint64_t na;
        if (!rp_id_decimal(f[3].p, f[3].len, &na)) {
            set_err(err, name, l.line, "not_after must be Unix seconds (0: none)");
            goto fail;
        }
        key.not_after = (int64_t)na;
        for (size_t i = 0; i < k->n; i++) {
            if (k->keys[i].kid_len == key.kid_len &&
                memcmp(k->keys[i].kid, key.kid, key.kid_len) == 0) {
                set_err(err, name, l.line, "key %s: listed twice", key.kid);
                goto fail;
            }
        }
        rp_id_key_t *nk = realloc(k->keys, (k->n + 1) * sizeof(*nk));
        if (!nk) {
            set_err(err, name, l.line, "out of memory");
            goto fail;
        }
        nk[k->n++] = key;
        k->keys = nk;
        OPENSSL_cleanse(&key, sizeof(key));
    }
    if (k->n == 0) {
        set_err(err, name, 0, "no session key");
        goto fail;
    }
    k->serial = atomic_fetch_add(&key_serials, 1) + 1;
    return k;
fail:
    rp_id_keys_free(k);
    return NULL;
}

rp_id_keys_t *rp_id_keys_load(const char *path, rp_error_t *err)
{
    size_t len;
    char *text = read_file(path, &len, err);
    if (!text)
        return NULL;
    rp_id_keys_t *k = rp_id_keys_parse(text, len, path, err);
    OPENSSL_cleanse(text, len);
    free(text);
    return k;
}

void rp_id_keys_free(rp_id_keys_t *k)
{
    if (!k)
        return;
    if (k->keys)
        OPENSSL_cleanse(k->keys, k->n * sizeof(*k->keys));
    free(k->keys);
    free(k);
}

size_t rp_id_keys_count(const rp_id_keys_t *k)
{
    return k ? k->n : 0;
}

const rp_id_key_t *rp_id_key_find(const rp_id_keys_t *k, const char *kid, size_t kid_len,
                                  int64_t now)
{
    if (!k)
        return NULL;
    for (size_t i = 0; i < k->n; i++) {
        const rp_id_key_t *key = &k->keys[i];
        if (key->kid_len == kid_len && memcmp(key->kid, kid, kid_len) == 0)
            return key->not_after == 0 || now < key->not_after ? key : NULL;
    }
    return NULL;
}

/* ---- revocations ---- */

typedef struct {
    char sid[RP_ID_SID_LEN];
    bool used;
} sid_slot_t;

typedef struct {
    uint64_t uid;
    int64_t before;
    bool used;
} user_slot_t;

struct rp_id_revocations {
    uint64_t seq;
    size_t count;
    size_t sid_mask, user_mask; /* table size - 1 (powers of two) */
    sid_slot_t *sids;
    user_slot_t *users;
};

static uint64_t hash_u64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return x;
}

static size_t table_size(size_t n)
{
    size_t s = 16;
    while (s < n * 2)
        s <<= 1;
    return s;
}

static bool sid_chars(const char *s, size_t len)
{
    if (len != RP_ID_SID_LEN)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    return true;
}

static void add_sid(rp_id_revocations_t *r, const char *sid)
{
    for (size_t i = rp_id_hash(sid, RP_ID_SID_LEN) & r->sid_mask;; i = (i + 1) & r->sid_mask) {
        if (!r->sids[i].used) {
            memcpy(r->sids[i].sid, sid, RP_ID_SID_LEN);
            r->sids[i].used = true;
            return;
        }
        if (memcmp(r->sids[i].sid, sid, RP_ID_SID_LEN) == 0)
            return;
    }
}

static void add_user(rp_id_revocations_t *r, uint64_t uid, int64_t before)
{
    for (size_t i = hash_u64(uid) & r->user_mask;; i = (i + 1) & r->user_mask) {
        if (!r->users[i].used) {
            r->users[i] = (user_slot_t){uid, before, true};
            return;
        }
        if (r->users[i].uid == uid) {
            if (before > r->users[i].before)
                r->users[i].before = before;
            return;
        }
    }
}

rp_id_revocations_t *rp_id_revocations_parse(const char *text, size_t len, const char *name,
                                             rp_error_t *err)
{
    static const char head[] = "# rampart revocations seq=";
    lines_t l = {text, text + len, 0};
    const char *s;
    size_t sl;
    uint64_t seq;
    if (!next_line(&l, &s, &sl) || sl < sizeof(head) - 1 ||
        memcmp(s, head, sizeof(head) - 1) != 0 ||
        !rp_id_decimal(s + sizeof(head) - 1, sl - (sizeof(head) - 1), &seq)) {
        set_err(err, name, 1, "first line must be \"# rampart revocations seq=N\"");
        return NULL;
    }
    /* count the entries to size the tables once */
    size_t lines = 0;
    for (const char *p = l.p; p < l.end; p++)
        lines += *p == '\n';
    lines++;
    rp_id_revocations_t *r = calloc(1, sizeof(*r));
    size_t ts = table_size(lines);
    if (!r || !(r->sids = calloc(ts, sizeof(sid_slot_t))) ||
        !(r->users = calloc(ts, sizeof(user_slot_t)))) {
        rp_id_revocations_free(r);
        set_err(err, name, 0, "out of memory");
        return NULL;
    }
    r->seq = seq;
    r->sid_mask = r->user_mask = ts - 1;
    while (next_line(&l, &s, &sl)) {
        if (blank_or_comment(s, sl))
            continue;
        rp_id_str_t f[MAX_FIELDS];
        uint64_t a, t;
        if (fields(s, sl, f) != 3 || !rp_id_decimal(f[2].p, f[2].len, &t)) {
            set_err(err, name, l.line, "expected \"sid SID EXP\" or \"user UID BEFORE\"");
            rp_id_revocations_free(r);
            return NULL;
        }
        if (f[0].len == 3 && memcmp(f[0].p, "sid", 3) == 0 && sid_chars(f[1].p, f[1].len)) {
            add_sid(r, f[1].p);
        } else if (f[0].len == 4 && memcmp(f[0].p, "user", 4) == 0 &&
                   rp_id_decimal(f[1].p, f[1].len, &a)) {
            add_user(r, a, (int64_t)t);
        } else {
            set_err(err, name, l.line, "expected \"sid SID EXP\" or \"user UID BEFORE\"");
            rp_id_revocations_free(r);
            return NULL;
        }
        r->count++;
    }
    return r;
}

rp_id_revocations_t *rp_id_revocations_load(const char *path, rp_error_t *err)
{
    size_t len;
    char *text = read_file(path, &len, err);
    if (!text)
        return NULL;
    rp_id_revocations_t *r = rp_id_revocations_parse(text, len, path, err);
    free(text);
    return r;
}

void rp_id_revocations_free(rp_id_revocations_t *r)
{
    if (!r)
        return;
    free(r->sids);
    free(r->users);
    free(r);
}

uint64_t rp_id_revocations_seq(const rp_id_revocations_t *r)
{
    return r ? r->seq : 0;
}

size_t rp_id_revocations_count(const rp_id_revocations_t *r)
{
    return r ? r->count : 0;
}

bool rp_id_revoked(const rp_id_revocations_t *r, const char *sid, size_t sid_len, uint64_t uid,
                   int64_t iat)
{
    if (!r || r->count == 0)
        return false;
    if (sid_len == RP_ID_SID_LEN) {
        for (size_t i = rp_id_hash(sid, sid_len) & r->sid_mask; r->sids[i].used;
             i = (i + 1) & r->sid_mask)
            if (memcmp(r->sids[i].sid, sid, RP_ID_SID_LEN) == 0)
                return true;
    }
    for (size_t i = hash_u64(uid) & r->user_mask; r->users[i].used; i = (i + 1) & r->user_mask)
        if (r->users[i].uid == uid)
            return iat < r->users[i].before;
    return false;
}

/* ---- upstream key ---- */

size_t rp_id_upstream_key_parse(const char *text, size_t len, uint8_t *key, size_t cap,
                                rp_error_t *err)
{
    lines_t l = {text, text + len, 0};
    const char *s;
    size_t sl;
    while (next_line(&l, &s, &sl)) {
        if (blank_or_comment(s, sl))
            continue;
        rp_id_str_t f[MAX_FIELDS];
        if (fields(s, sl, f) != 1) {
            set_err(err, "", l.line, "expected one base64url key");
            return 0;
        }
        size_t n = key_decode(f[0].p, f[0].len, key, cap);
        if (n == SIZE_MAX || n < RP_ID_UPSTREAM_KEY_MIN) {
            OPENSSL_cleanse(key, cap);
            set_err(err, "", l.line, "not a base64url key of %d to %zu bytes",
                    RP_ID_UPSTREAM_KEY_MIN, cap);
            return 0;
        }
        return n;
    }
    set_err(err, "", 0, "no key");
    return 0;
}
