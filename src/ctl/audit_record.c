/*
 * audit_record.c — canonical form, SM3 chain and seal message (see
 * audit_record.h).
 */
#include "audit_record.h"

#include <inttypes.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "timefmt.h"

static void field(strbuf_t *out, const char *name, const char *value, size_t len)
{
    strbuf_printf(out, "%s %zu ", name, len);
    strbuf_append(out, value, len);
    strbuf_append(out, "\n", 1);
}

static void text_field(strbuf_t *out, const char *name, const char *value)
{
    value = value ? value : "";
    field(out, name, value, strlen(value));
}

static void int_field(strbuf_t *out, const char *name, int64_t v)
{
    char num[24];
    int n = snprintf(num, sizeof(num), "%" PRId64, v);
    field(out, name, num, (size_t)n);
}

void audit_canonical(const store_audit_row_t *row, strbuf_t *out)
{
    out->len = 0;
    if (out->data)
        out->data[0] = '\0';
    strbuf_puts(out, "RAMPART-AUDIT-1\n");
    int_field(out, "seq", row->seq);
    int_field(out, "time", row->ts);
    text_field(out, "actor", row->actor);
    text_field(out, "role", row->role);
    text_field(out, "client", row->client);
    text_field(out, "action", row->action);
    text_field(out, "method", row->method);
    text_field(out, "path", row->path);
    text_field(out, "target", row->target);
    text_field(out, "outcome", row->outcome);
    int_field(out, "status", row->status);
    text_field(out, "detail", row->detail);
}

static int sm3_parts(const void *a, size_t an, const void *b, size_t bn,
                     unsigned char out[AUDIT_HASH_LEN])
{
    EVP_MD *md = EVP_MD_fetch(NULL, "SM3", NULL);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int len = 0;
    int ok = md && ctx && EVP_DigestInit_ex(ctx, md, NULL) == 1 &&
             (an == 0 || EVP_DigestUpdate(ctx, a, an) == 1) &&
             (bn == 0 || EVP_DigestUpdate(ctx, b, bn) == 1) &&
             EVP_DigestFinal_ex(ctx, out, &len) == 1 && len == AUDIT_HASH_LEN;
    EVP_MD_CTX_free(ctx);
    EVP_MD_free(md);
    return ok ? 0 : -1;
}

int audit_chain_hash(const unsigned char prev[AUDIT_HASH_LEN], const void *data, size_t len,
                     unsigned char out[AUDIT_HASH_LEN])
{
    return sm3_parts(prev, AUDIT_HASH_LEN, data, len, out);
}

int audit_sm3(const void *data, size_t len, unsigned char out[AUDIT_HASH_LEN])
{
    return sm3_parts(data, len, NULL, 0, out);
}

void audit_hex(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

int audit_unhex(const char *in, unsigned char out[AUDIT_HASH_LEN])
{
    if (!in || strlen(in) != 2 * AUDIT_HASH_LEN)
        return -1;
    for (size_t i = 0; i < AUDIT_HASH_LEN; i++) {
        int hi = OPENSSL_hexchar2int((unsigned char)in[2 * i]);
        int lo = OPENSSL_hexchar2int((unsigned char)in[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return 0;
}

size_t audit_seal_message(int64_t seq, const unsigned char hash[AUDIT_HASH_LEN], int64_t ts,
                          char *out, size_t size)
{
    char hex[AUDIT_HEX_LEN];
    audit_hex(hash, AUDIT_HASH_LEN, hex);
    int n =
        snprintf(out, size, "RAMPART-AUDIT-SEAL-1\nseq %" PRId64 "\nhash %s\ntime %" PRId64 "\n",
                 seq, hex, ts);
    return n < 0 ? 0 : (size_t)n;
}

json_t *audit_row_json(const store_audit_row_t *row)
{
    char t[TIME_RFC3339_MAX], prev[AUDIT_HEX_LEN], hash[AUDIT_HEX_LEN];
    time_format_rfc3339(row->ts, t);
    audit_hex(row->prev_hash, AUDIT_HASH_LEN, prev);
    audit_hex(row->hash, AUDIT_HASH_LEN, hash);
    json_t *detail = row->detail[0] ? json_loads(row->detail, 0, NULL) : NULL;
    return json_pack("{s:I, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:o, s:s, "
                     "s:s}",
                     "seq", (json_int_t)row->seq, "time", t, "time_ms", (json_int_t)row->ts,
                     "actor", row->actor, "role", row->role, "client", row->client, "action",
                     row->action, "method", row->method, "path", row->path, "target", row->target,
                     "outcome", row->outcome, "status", (json_int_t)row->status, "detail",
                     detail ? detail : json_null(), "prev_hash", prev, "hash", hash);
}
