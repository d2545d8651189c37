/*
 * api_crypto.c — the encryption service (docs/CRYPTO.md, "Encryption
 * service API"): encrypt, decrypt, rewrap, blind index, tokenise and
 * detokenise ID numbers, one value or a batch per call.
 *
 * Every call names one key ("app/field"). The route lets admin, secops
 * and app tokens in; the handler then needs a grant for the caller (its
 * account name, or token:NAME), the key's application, the key and the
 * operation — so an admin who manages keys cannot decrypt unless granted,
 * and an application's token reaches only the keys granted to it. Each
 * call is one audit record (the dispatcher's, with the key, operation,
 * versions and counts added here), however many values it carries.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "audit_hook.h"
#include "keyring.h"
#include "secret.h"

#define CRYPTO_BATCH_MAX    1000       /* values per call */
#define CRYPTO_VALUE_MAX    (64 << 10) /* bytes per plaintext */
#define BLIND_INDEX_DEFAULT 16

typedef struct crypto_call crypto_call_t;

/* One value through one operation: a JSON result object, or NULL with
 * *error set to a short code. */
typedef json_t *(*value_fn)(crypto_call_t *c, const char *in, size_t len, const char **error);

typedef struct {
    int op;          /* KEY_OP_* */
    const char *in;  /* the single form's input member */
    const char *out; /* its output member */
    value_fn fn;
} op_spec_t;

struct crypto_call {
    http_req_t *r;
    const op_spec_t *spec;
    keyring_t *kr;
    char key[STORE_KEY_NAME_MAX + 1];
    const key_handle_t *current;   /* the current version (encrypt, rewrap) or the one asked for */
    const key_handle_t *opened[8]; /* versions opened for decryption in this call */
    int n_opened;
    int base64;    /* plaintext in/out as standard base64 */
    int normalize; /* blind index: rp_blind_index_normalized */
    size_t bidx_len;
    const char *context;
    uint8_t *buf;     /* scratch of CRYPTO_VALUE_MAX * 2 bytes */
    json_t *versions; /* distinct versions used, for the audit record */
};

/* ---- value codecs ------------------------------------------------------------ */

/* Standard base64 (RFC 4648 §4) in; -1 when malformed or too long. */
static long b64_decode(const char *in, size_t len, uint8_t *out, size_t cap)
{
    if (len % 4 || len / 4 * 3 > cap)
        return -1;
    int n = EVP_DecodeBlock(out, (const unsigned char *)in, (int)len);
    if (n < 0)
        return -1;
    if (len && in[len - 1] == '=')
        n--;
    if (len > 1 && in[len - 2] == '=')
        n--;
    return n;
}

static json_t *b64_json(const uint8_t *in, size_t len)
{
    char *text = malloc(4 * ((len + 2) / 3) + 1);
    if (!text)
        return NULL;
    EVP_EncodeBlock((unsigned char *)text, in, (int)len);
    json_t *s = json_string(text);
    free(text);
    return s;
}

static void note_version(crypto_call_t *c, uint32_t version)
{
    size_t i;
    json_t *v;
    json_array_foreach(c->versions, i, v) if ((uint32_t)json_integer_value(v) == version) return;
    json_array_append_new(c->versions, json_integer(version));
}

/* The input as bytes: as given, or base64-decoded into buf. */
static const uint8_t *plain_in(crypto_call_t *c, const char *in, size_t *len, const char **error)
{
    if (!c->base64)
        return (const uint8_t *)in;
    long n = b64_decode(in, *len, c->buf, CRYPTO_VALUE_MAX);
    if (n < 0) {
        *error = "bad_base64";
        return NULL;
    }
    *len = (size_t)n;
    return c->buf;
}

static json_t *seal(crypto_call_t *c, const uint8_t *plain, size_t len, const char **error)
{
    const key_handle_t *h = c->current;
    size_t bin_len = RP_ENVELOPE_OVERHEAD(strlen(h->envelope_id)) + len;
    uint8_t *bin = c->buf + CRYPTO_VALUE_MAX;
    char *text = malloc(RP_ENVELOPE_TEXT_LEN(bin_len) + 1);
    size_t got = 0;
    if (!text ||
        rp_envelope_seal_random(&h->aead, h->envelope_id, h->version, plain, len, bin,
                                CRYPTO_VALUE_MAX + 128, &got) != RP_ENV_OK ||
        rp_envelope_to_text(bin, got, text, RP_ENVELOPE_TEXT_LEN(bin_len) + 1) != RP_ENV_OK) {
        free(text);
        *error = "internal";
        return NULL;
    }
    json_t *o = json_pack("{s:s}", c->spec->out, text);
    free(text);
    return o;
}

static json_t *do_encrypt(crypto_call_t *c, const char *in, size_t len, const char **error)
{
    const uint8_t *plain = plain_in(c, in, &len, error);
    if (!plain)
        return NULL;
    if (len > CRYPTO_VALUE_MAX) {
        *error = "too_large";
        return NULL;
    }
    return seal(c, plain, len, error);
}

/* Opens a text envelope of this call's key into c->buf; its length, or
 * -1 with *error. */
static long open_envelope(crypto_call_t *c, const char *in, size_t len, const char **error)
{
    uint8_t *bin = c->buf + CRYPTO_VALUE_MAX;
    size_t bin_len = 0;
    rp_envelope_t env;
    if (len > RP_ENVELOPE_TEXT_LEN(CRYPTO_VALUE_MAX + 128) ||
        rp_envelope_from_text(in, len, bin, CRYPTO_VALUE_MAX + 128, &bin_len) != RP_ENV_OK ||
        rp_envelope_parse(bin, bin_len, &env) != RP_ENV_OK) {
        *error = "malformed";
        return -1;
    }
    /* nothing this service sealed is longer; the plaintext must fit the
     * scratch before the envelope's own bytes */
    if (env.ciphertext_len > CRYPTO_VALUE_MAX) {
        *error = "too_large";
        return -1;
    }
    if (env.key_id_len != strlen(c->current->envelope_id) ||
        memcmp(env.key_id, c->current->envelope_id, env.key_id_len) != 0) {
        *error = "other_key";
        return -1;
    }
    const key_handle_t *h = NULL;
    for (int i = 0; i < c->n_opened; i++)
        if (c->opened[i]->version == env.key_version)
            h = c->opened[i];
    if (!h) {
        keyring_status_t st = keyring_get(c->kr, c->key, env.key_version, &h);
        if (st != KEYRING_OK) {
            *error = st == KEYRING_NOT_FOUND ? "unknown_version" : "key_unavailable";
            return -1;
        }
        if (c->n_opened < (int)(sizeof(c->opened) / sizeof(c->opened[0])))
            c->opened[c->n_opened++] = h;
    }
    note_version(c, env.key_version);
    rp_env_status_t st = rp_envelope_open(&h->aead, h->envelope_id, h->version, &env, c->buf);
    if (st != RP_ENV_OK) {
        *error = st == RP_ENV_AUTH ? "authentication_failed" : rp_env_status_str(st);
        return -1;
    }
    return (long)env.ciphertext_len;
}

static json_t *do_decrypt(crypto_call_t *c, const char *in, size_t len, const char **error)
{
    long n = open_envelope(c, in, len, error);
    if (n < 0)
        return NULL;
    json_t *v =
        c->base64 ? b64_json(c->buf, (size_t)n) : json_stringn((const char *)c->buf, (size_t)n);
    secret_wipe(c->buf, (size_t)n);
    if (!v) {
        *error = c->base64 ? "internal" : "not_utf8";
        return NULL;
    }
    return json_pack("{s:o}", c->spec->out, v);
}

static json_t *do_rewrap(crypto_call_t *c, const char *in, size_t len, const char **error)
{
    long n = open_envelope(c, in, len, error);
    if (n < 0)
        return NULL;
    /* seal writes its envelope after CRYPTO_VALUE_MAX: the plaintext at
     * the start of buf stays intact */
    json_t *o = seal(c, c->buf, (size_t)n, error);
    secret_wipe(c->buf, (size_t)n);
    return o;
}

static json_t *do_blind_index(crypto_call_t *c, const char *in, size_t len, const char **error)
{
    const uint8_t *value = plain_in(c, in, &len, error);
    if (!value)
        return NULL;
    uint8_t mac[RP_BLIND_INDEX_MAX];
    int ok = c->normalize
                 ? rp_blind_index_normalized(c->current->mac, 32, c->context, (const char *)value,
                                             len, mac, c->bidx_len)
                 : rp_blind_index(c->current->mac, 32, c->context, value, len, mac, c->bidx_len);
    if (!ok) {
        *error = "internal";
        return NULL;
    }
    char hex[2 * RP_BLIND_INDEX_MAX + 1];
    for (size_t i = 0; i < c->bidx_len; i++)
        snprintf(hex + 2 * i, 3, "%02x", mac[i]);
    return json_pack("{s:s}", c->spec->out, hex);
}

static json_t *token_result(crypto_call_t *c, rp_token_status_t st, const char out[19],
                            const char **error)
{
    if (st != RP_TOKEN_OK) {
        *error = st == RP_TOKEN_DATE ? "bad_date" : "not_an_id_number";
        return NULL;
    }
    return json_pack("{s:s}", c->spec->out, out);
}

static json_t *do_tokenize(crypto_call_t *c, const char *in, size_t len, const char **error)
{
    char out[19];
    const key_handle_t *h = c->current;
    rp_token_status_t st =
        len != 18 ? RP_TOKEN_NOT_ID
                  : rp_id_tokenize(&h->fpe, (const uint8_t *)h->name, strlen(h->name), in, out);
    return token_result(c, st, out, error);
}

static json_t *do_detokenize(crypto_call_t *c, const char *in, size_t len, const char **error)
{
    char out[19];
    const key_handle_t *h = c->current;
    rp_token_status_t st =
        len != 18 ? RP_TOKEN_NOT_ID
                  : rp_id_detokenize(&h->fpe, (const uint8_t *)h->name, strlen(h->name), in, out);
    json_t *o = token_result(c, st, out, error);
    secret_wipe(out, sizeof(out));
    return o;
}

static const op_spec_t specs[] = {
    {KEY_OP_ENCRYPT, "plaintext", "ciphertext", do_encrypt},
    {KEY_OP_DECRYPT, "ciphertext", "plaintext", do_decrypt},
    {KEY_OP_REWRAP, "ciphertext", "ciphertext", do_rewrap},
    {KEY_OP_BLIND_INDEX, "value", "index", do_blind_index},
    {KEY_OP_TOKENIZE, "value", "token", do_tokenize},
    {KEY_OP_DETOKENIZE, "token", "value", do_detokenize},
};

/* ---- authorisation ------------------------------------------------------------ */

typedef struct {
    const char *app, *field;
    int op;
    int allowed;
} grant_check_t;

static int grant_matches(void *ctx, const store_grant_t *g)
{
    grant_check_t *c = ctx;
    if (!(g->ops & (unsigned)c->op) || strcmp(g->app, c->app) != 0)
        return 0;
    json_t *keys = json_loads(g->keys, 0, NULL);
    size_t i;
    json_t *v;
    json_array_foreach(keys, i, v)
    {
        const char *f = json_string_value(v);
        if (f && (strcmp(f, "*") == 0 || strcmp(f, c->field) == 0))
            c->allowed = 1;
    }
    json_decref(keys);
    return c->allowed;
}

/* 1 when the caller holds a grant for op on key; -1 on a store error. */
static int granted(http_req_t *r, const char *key, int op)
{
    char app[STORE_KEY_NAME_MAX + 1];
    const char *slash = strchr(key, '/');
    snprintf(app, sizeof(app), "%.*s", (int)(slash - key), key);
    grant_check_t check = {app, slash + 1, op, 0};
    store_t *s = r->ctl->store;
    int rc = s->keys->grants_of(s, r->who.name, grant_matches, &check);
    return rc != STORE_OK ? -1 : check.allowed;
}

/* ---- the call ------------------------------------------------------------------ */

static enum MHD_Result bad(http_req_t *r, const op_spec_t *spec)
{
    char msg[300];
    snprintf(msg, sizeof(msg),
             "key (APP/FIELD) and either %s (a string) or batch (an array of at most %d "
             "strings); optional encoding (utf-8 or base64), version, context, length, normalize",
             spec->in, CRYPTO_BATCH_MAX);
    return http_reply_error(r, 400, "bad_request", msg);
}

/* Options beyond key and values; 0 or -1 when malformed. */
static int parse_options(crypto_call_t *c, json_t *body, uint32_t *version)
{
    json_t *enc = json_object_get(body, "encoding"), *ver = json_object_get(body, "version");
    json_t *ctx = json_object_get(body, "context"), *len = json_object_get(body, "length");
    json_t *norm = json_object_get(body, "normalize");
    if (enc && (!json_is_string(enc) || (strcmp(json_string_value(enc), "utf-8") != 0 &&
                                         strcmp(json_string_value(enc), "base64") != 0)))
        return -1;
    c->base64 = enc && strcmp(json_string_value(enc), "base64") == 0;
    if (ver && (!json_is_integer(ver) || json_integer_value(ver) < 1 ||
                json_integer_value(ver) > UINT32_MAX))
        return -1;
    *version = ver ? (uint32_t)json_integer_value(ver) : 0;
    if (ctx && (!json_is_string(ctx) || json_string_length(ctx) > 128))
        return -1;
    c->context = ctx ? json_string_value(ctx) : c->key;
    if (len && (!json_is_integer(len) || json_integer_value(len) < 1 ||
                json_integer_value(len) > RP_BLIND_INDEX_MAX))
        return -1;
    c->bidx_len = len ? (size_t)json_integer_value(len) : BLIND_INDEX_DEFAULT;
    if (norm && !json_is_boolean(norm))
        return -1;
    c->normalize = json_is_true(norm);
    return 0;
}

static enum MHD_Result key_refusal(http_req_t *r, keyring_status_t st)
{
    if (st == KEYRING_NOT_FOUND)
        return http_reply_error(r, 404, "unknown_key", "no such key or key version");
    if (st == KEYRING_UNAVAILABLE)
        return http_reply_error(r, 503, "key_unavailable",
                                "the key cannot be unwrapped; see the rampartd log");
    return api_store_error(r, STORE_ERROR);
}

static enum MHD_Result run_values(crypto_call_t *c, json_t *single, json_t *batch)
{
    http_req_t *r = c->r;
    size_t n = single ? 1 : json_array_size(batch), failed = 0;
    json_t *results = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *v = single ? single : json_array_get(batch, i);
        const char *error = NULL;
        json_t *res = json_is_string(v)
                          ? c->spec->fn(c, json_string_value(v), json_string_length(v), &error)
                          : NULL;
        if (!res) {
            failed++;
            res = json_pack("{s:s}", "error", error ? error : "not_a_string");
        }
        json_array_append_new(results, res);
    }
    keyring_count(c->kr, c->spec->op, n, failed);
    audit_detail(r, "count", json_integer((json_int_t)n));
    audit_detail(r, "failed", json_integer((json_int_t)failed));
    audit_detail(r, "versions", json_incref(c->versions));
    if (single) {
        json_t *one = json_incref(json_array_get(results, 0));
        json_decref(results);
        if (failed) {
            char error[32];
            snprintf(error, sizeof(error), "%s", json_string_value(json_object_get(one, "error")));
            json_decref(one);
            return http_reply_error(r, 422, error, "the value could not be processed");
        }
        json_object_set_new(one, "key", json_string(c->key));
        json_object_set_new(one, "version", json_integer(c->current->version));
        return http_reply_json(r, 200, one);
    }
    return http_reply_json(r, 200,
                           json_pack("{s:s, s:I, s:I, s:o}", "key", c->key, "version",
                                     (json_int_t)c->current->version, "failed", (json_int_t)failed,
                                     "results", results));
}

static enum MHD_Result crypto_call(http_req_t *r, const op_spec_t *spec)
{
    keyring_t *kr = r->ctl->keyring;
    if (!kr)
        return http_reply_error(r, 503, "keys_unavailable", "key management is not running");
    enum MHD_Result rc;
    json_t *body = http_json_body(r, &rc);
    if (!body)
        return rc;
    crypto_call_t c = {.r = r, .spec = spec, .kr = kr};
    const char *key = json_string_value(json_object_get(body, "key"));
    json_t *single = json_object_get(body, spec->in), *batch = json_object_get(body, "batch");
    uint32_t version = 0;
    if (!keyring_valid_name(key) || (!single) == (!batch) || (single && !json_is_string(single)) ||
        (batch && !json_is_array(batch))) {
        json_decref(body);
        return bad(r, spec);
    }
    snprintf(c.key, sizeof(c.key), "%s", key);
    audit_note(r, NULL, c.key);
    char action[32] = "crypto";
    for (int i = 0; i < KEY_OP_COUNT; i++)
        if (spec->op == 1 << i)
            snprintf(action, sizeof(action), "crypto.%s", key_op_name(i));
    audit_note(r, action, NULL);
    if (parse_options(&c, body, &version) != 0) {
        json_decref(body);
        return bad(r, spec);
    }
    if (batch && json_array_size(batch) > CRYPTO_BATCH_MAX) {
        json_decref(body);
        char msg[96];
        snprintf(msg, sizeof(msg), "at most %d values per call", CRYPTO_BATCH_MAX);
        return http_reply_error(r, 413, "batch_too_large", msg);
    }
    int g = granted(r, c.key, spec->op);
    if (g <= 0) {
        json_decref(body);
        if (g < 0)
            return api_store_error(r, STORE_ERROR);
        char msg[160];
        snprintf(msg, sizeof(msg), "%s holds no grant to %s with key %s", r->who.name, action + 7,
                 c.key);
        return http_reply_error(r, 403, "not_granted", msg);
    }
    /* decrypt and rewrap open whatever version each envelope names; the
     * rest use the version asked for, or the current one */
    int opens = spec->op == KEY_OP_DECRYPT || spec->op == KEY_OP_REWRAP;
    keyring_status_t st = keyring_get(kr, c.key, opens ? 0 : version, &c.current);
    if (st != KEYRING_OK) {
        json_decref(body);
        return key_refusal(r, st);
    }
    c.versions = json_array();
    if (!opens)
        note_version(&c, c.current->version);
    c.buf = malloc(2 * CRYPTO_VALUE_MAX + 256);
    if (!c.buf) {
        json_decref(c.versions);
        json_decref(body);
        return http_reply_error(r, 500, "internal", "out of memory");
    }
    rc = run_values(&c, single, batch);
    secret_wipe(c.buf, 2 * CRYPTO_VALUE_MAX + 256);
    free(c.buf);
    json_decref(c.versions);
    json_decref(body);
    return rc;
}

enum MHD_Result api_crypto_encrypt(http_req_t *r)
{
    return crypto_call(r, &specs[0]);
}

enum MHD_Result api_crypto_decrypt(http_req_t *r)
{
    return crypto_call(r, &specs[1]);
}

enum MHD_Result api_crypto_rewrap(http_req_t *r)
{
    return crypto_call(r, &specs[2]);
}

enum MHD_Result api_crypto_blind_index(http_req_t *r)
{
    return crypto_call(r, &specs[3]);
}

enum MHD_Result api_crypto_tokenize(http_req_t *r)
{
    return crypto_call(r, &specs[4]);
}

enum MHD_Result api_crypto_detokenize(http_req_t *r)
{
    return crypto_call(r, &specs[5]);
}
