/*
 * fuzz_fieldenc.c — libFuzzer target for the gateway's request rewriter
 * (fieldenc_rewrite.c, tx_fieldenc.c).
 *
 * Input: one byte choosing JSON or form and the chunk size, then the body.
 * Contract: the rewriter accepts or refuses a body whatever its chunking,
 * with the same output (fields marked by a deterministic callback); when
 * the transaction seals a JSON body that jansson reads, the sealed body
 * reads too, holds no configured value in clear, and opening it again for a
 * clear viewer gives JSON that jansson reads.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fieldenc_t.h"
#include "policy_t.h"
#include "rampart/rampart.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char policy_text[] =
    "encrypt /r key=app/f fields=a.b:id,c:mobile,d roles-clear=auditor\n";
static const char keys_text[] =
    "rpgk1 app/f 1 sm4-gcm 000102030405060708090a0b0c0d0e0f\n"
    "rpgk1 app/f 2 aes-256-gcm "
    "000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f\n";

static rp_policy_t *policy;
static rp_data_keys_t *keys;

static int mark(void *ctx, int field, rp_fe_kind_t kind, const char *raw, size_t len,
                rp_abuf_t *out)
{
    (void)ctx;
    char head[8] = {'"', '<', (char)('0' + field), (char)('0' + kind), ':'};
    rp_abuf_append(out, head, 5);
    for (size_t i = 0; i < len; i++)
        rp_abuf_putc(out, raw[i] == '"' || raw[i] == '\\' ? '_' : raw[i]);
    return rp_abuf_append(out, ">\"", 2);
}

static char *rewrite(bool form, const char *s, size_t n, size_t chunk, size_t *out_len)
{
    rp_arena_t *a = rp_arena_new(0, 0);
    rp_fe_rewriter_t r;
    rp_fe_rewriter_init(&r, &policy->fieldenc->rules[0], form, a, mark, NULL);
    r.refuse_container = true;
    rp_abuf_t out;
    rp_abuf_init(&out, a);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i += chunk)
        rc = rp_fe_rewriter_feed(&r, s + i, i + chunk > n ? n - i : chunk, false, &out);
    if (rc == 0)
        rc = rp_fe_rewriter_feed(&r, "", 0, true, &out);
    char *copy = NULL;
    if (rc == 0) {
        copy = malloc(out.len + 1);
        if (!copy)
            abort();
        memcpy(copy, out.data ? out.data : "", out.len);
        *out_len = out.len;
    }
    rp_arena_free(a);
    return copy;
}

static void seal_and_open(const char *s, size_t n)
{
    json_error_t je;
    json_t *in = json_loadb(s, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    if (!in)
        return;
    json_decref(in);
    rp_tx_t *tx = rp_tx_new(policy);
    rp_tx_request_line(tx, "POST", 4, "/r", 2, "HTTP/1.1", 8);
    rp_tx_request_headers_done(tx);
    rp_tx_set_fieldenc(tx, "/r", 2, RP_MODE_BLOCK, keys, "application/json", 16, NULL);
    rp_tx_request_body(tx, s, n);
    rp_tx_request_end(tx);
    const void *sealed;
    size_t sealed_len;
    if (rp_tx_fieldenc_request_body(tx, &sealed, &sealed_len) != RP_OK) {
        rp_tx_free(tx);
        return;
    }
    json_t *out = json_loadb(sealed, sealed_len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    if (!out)
        abort(); /* sealing broke a valid document */
    json_decref(out);
    char *copy = malloc(sealed_len + 1);
    if (!copy)
        abort();
    memcpy(copy, sealed, sealed_len);
    rp_tx_free(tx);

    rp_viewer_t aud = {"a", 1, "auditor", 7, "", 0};
    tx = rp_tx_new(policy);
    rp_tx_request_line(tx, "GET", 3, "/r", 2, "HTTP/1.1", 8);
    rp_tx_request_headers_done(tx);
    rp_tx_set_fieldenc(tx, "/r", 2, RP_MODE_BLOCK, keys, "", 0, &aud);
    rp_tx_request_end(tx);
    rp_tx_response_status(tx, 200);
    rp_tx_response_header(tx, "Content-Type", 12, "application/json", 16);
    if (rp_tx_response_headers_done(tx) != RP_OK)
        abort();
    const void *p1, *p2;
    size_t n1, n2;
    if (rp_tx_response_body(tx, copy, sealed_len, &p1, &n1) != RP_OK)
        abort();
    char *opened = malloc(n1 + 1);
    if (!opened)
        abort();
    memcpy(opened, p1, n1);
    if (rp_tx_response_end(tx, &p2, &n2) != RP_OK)
        abort();
    /* a top-level number is held until the end */
    char *all = realloc(opened, n1 + n2 + 1);
    if (!all)
        abort();
    opened = all;
    if (n2)
        memcpy(opened + n1, p2, n2);
    out = json_loadb(opened, n1 + n2, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    if (!out)
        abort(); /* opening gave invalid JSON */
    json_decref(out);
    free(opened);
    free(copy);
    rp_tx_free(tx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!policy) {
        rp_error_t e;
        policy = rp_policy_load_string(policy_text, strlen(policy_text), "fuzz", &e);
        keys = rp_data_keys_parse(keys_text, strlen(keys_text), "fuzz", &e);
        if (!policy || !keys)
            abort();
    }
    if (size < 1 || size > 1 << 16)
        return 0;
    bool form = data[0] & 1;
    size_t chunk = 1 + (data[0] >> 1);
    const char *s = (const char *)data + 1;
    size_t n = size - 1, l1 = 0, l2 = 0;
    char *one = rewrite(form, s, n, n ? n : 1, &l1);
    char *many = rewrite(form, s, n, chunk, &l2);
    if (!one != !many || (one && (l1 != l2 || memcmp(one, many, l1) != 0)))
        abort(); /* chunking changed the outcome */
    free(one);
    free(many);
    if (!form)
        seal_and_open(s, n);
    return 0;
}
