/*
 * tx_fieldenc.c — transparent field encryption in a transaction
 * (docs/CRYPTO.md, "Field encryption at the gateway"; the "encrypt"
 * directive in docs/POLICY.md).
 *
 * Request: the configured fields of a JSON or form body are sealed with the
 * newest version of the rule's data key while the body streams in; values
 * that are envelopes of that key already stay as they are. A body that is
 * not of a supported type, does not parse, or cannot be sealed (no key) is
 * refused: it never reaches the application with a field in clear.
 *
 * Response: envelopes in the configured fields of a JSON body are opened
 * with the version they name; viewers the rule lets see clear values get
 * them (a data-access record), everyone else the field's masked form. An
 * envelope that does not open (tampered, truncated, another key, a version
 * the gateway does not hold) becomes the redacted form and the event says
 * why: never garbage, never the ciphertext.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "fieldenc_t.h"
#include "tx_t.h"

#define NONCE_BATCH 16

enum { OPEN_MALFORMED = 0, OPEN_OTHER_KEY, OPEN_UNKNOWN_VERSION, OPEN_AUTH, OPEN_REASONS };
static const char *const open_reasons[OPEN_REASONS] = {"malformed", "other_key", "unknown_version",
                                                       "authentication_failed"};

struct tx_fieldenc {
    rp_arena_t *arena; /* its own: bodies may be as large as the body limit */
    const rp_fe_rule_t *rule;
    rp_mode_t mode;
    rp_data_keys_t *keys;
    bool have_viewer, clear;
    const char *user;
    /* request */
    bool req_form, req_unsupported, req_fed, req_failed, req_done;
    size_t req_bytes, sealed, kept;
    rp_fe_rewriter_t req;
    rp_abuf_t req_out;
    const rp_data_key_t *seal_key;
    /* nonces drawn from the OS CSPRNG NONCE_BATCH at a time: one
     * getrandom per transaction for most bodies, not one per field */
    uint8_t nonces[NONCE_BATCH * RP_GCM_NONCE];
    size_t nonces_left;
    /* response */
    const char *resp_type, *resp_encoding;
    bool resp_on, resp_stopped;
    rp_fe_rewriter_t resp;
    rp_abuf_t resp_out;
    size_t opened, masked, failed[OPEN_REASONS];
    uint32_t versions_seen[8];
    size_t nversions;
};

bool rp_policy_fieldenc_route(const rp_policy_t *p, const char *path, size_t len)
{
    return rp_fe_rule_for(p->fieldenc, path, len) != NULL;
}

static bool media_is(const char *ct, size_t ct_len, const char *type)
{
    size_t n = 0;
    while (n < ct_len && ct[n] != ';' && ct[n] != ' ' && ct[n] != '\t')
        n++;
    size_t tl = strlen(type);
    if (type[0] == '+')
        return n > tl && strncasecmp(ct + n - tl, type, tl) == 0;
    return n == tl && strncasecmp(ct, type, tl) == 0;
}

static bool media_json(const char *ct, size_t n)
{
    return ct && (media_is(ct, n, "application/json") || media_is(ct, n, "+json"));
}

/* ---- request: sealing ---- */

/* Is raw (len) a text envelope of this rule's key? Then it stays. */
static bool own_envelope(const tx_fieldenc_t *f, const char *raw, size_t len)
{
    if (!rp_envelope_is_text(raw, len) || len > 2 * RP_FE_VALUE_MAX)
        return false;
    uint8_t *bin = rp_arena_alloc(f->arena, len);
    size_t bl;
    rp_envelope_t env;
    return bin && rp_envelope_from_text(raw, len, bin, len, &bl) == RP_ENV_OK &&
           rp_envelope_parse(bin, bl, &env) == RP_ENV_OK &&
           env.key_id_len == strlen(f->rule->key_id) &&
           memcmp(env.key_id, f->rule->key_id, env.key_id_len) == 0;
}

static int seal_to(tx_fieldenc_t *f, const char *plain, size_t n, bool form, rp_abuf_t *out)
{
    const rp_data_key_t *k = f->seal_key;
    size_t bl = RP_ENVELOPE_OVERHEAD(strlen(k->key_id)) + n;
    size_t tl = RP_ENVELOPE_TEXT_LEN(bl) + 1;
    uint8_t *bin = rp_arena_alloc(f->arena, bl);
    char *text = rp_arena_alloc(f->arena, tl);
    size_t got;
    if (!f->nonces_left) {
        /* at most 256 bytes: getrandom fills them whole once the pool is
         * initialised (it never returns short for such sizes) */
        if (getrandom(f->nonces, sizeof(f->nonces), 0) != (ssize_t)sizeof(f->nonces))
            return -1;
        f->nonces_left = NONCE_BATCH;
    }
    const uint8_t *nonce = f->nonces + (--f->nonces_left) * RP_GCM_NONCE;
    if (!bin || !text ||
        rp_envelope_seal(&k->aead, k->key_id, k->version, nonce, (const uint8_t *)plain, n, bin, bl,
                         &got) != RP_ENV_OK ||
        rp_envelope_to_text(bin, got, text, tl) != RP_ENV_OK)
        return -1;
    f->sealed++;
    size_t len = strlen(text);
    if (form)
        return rp_abuf_append(out, text, len);
    return rp_abuf_putc(out, '"') < 0 || rp_abuf_append(out, text, len) < 0 ||
                   rp_abuf_putc(out, '"') < 0
               ? -1
               : 0;
}

static int seal_value(void *ctx, int field, rp_fe_kind_t kind, const char *raw, size_t len,
                      rp_abuf_t *out)
{
    (void)field;
    tx_fieldenc_t *f = ctx;
    bool form = kind == RP_FE_FORM_VALUE;
    if (kind == RP_FE_JSON_SCALAR && (raw[0] == 't' || raw[0] == 'f' || raw[0] == 'n'))
        return rp_abuf_append(out, raw, len); /* true, false, null: nothing to hide */
    if (f->mode != RP_MODE_BLOCK || own_envelope(f, raw, len)) {
        f->kept += f->mode == RP_MODE_BLOCK;
        f->sealed += f->mode != RP_MODE_BLOCK; /* detect: counted, not sealed */
        if (kind == RP_FE_JSON_STRING)
            return rp_abuf_putc(out, '"') < 0 || rp_abuf_append(out, raw, len) < 0 ||
                           rp_abuf_putc(out, '"') < 0
                       ? -1
                       : 0;
        return rp_abuf_append(out, raw, len);
    }
    if (kind == RP_FE_JSON_SCALAR)
        return seal_to(f, raw, len, false, out);
    rp_abuf_t plain;
    rp_abuf_init(&plain, f->arena);
    int rc = form ? rp_fe_form_decode(raw, len, &plain) : rp_fe_json_unescape(raw, len, &plain);
    if (rc < 0) {
        f->req.why = "not JSON: a bad escape in an encrypted field";
        return -1;
    }
    rc = seal_to(f, plain.data ? plain.data : "", plain.len, form, out);
    if (plain.data)
        explicit_bzero(plain.data, plain.len);
    return rc;
}

void rp_tx_set_fieldenc(rp_tx_t *tx, const char *path, size_t path_len, rp_mode_t mode,
                        rp_data_keys_t *keys, const char *content_type, size_t content_type_len,
                        const rp_viewer_t *viewer)
{
    if (!tx->policy->fieldenc || mode == RP_MODE_OFF || tx->fieldenc)
        return;
    const rp_fe_rule_t *rule = rp_fe_rule_for(tx->policy->fieldenc, path, path_len);
    if (!rule)
        return;
    /* unbounded: the request side stops at the policy's body limit, and a
     * response is held no longer than the host holds its buffers */
    rp_arena_t *a = rp_arena_new(16384, 0);
    tx_fieldenc_t *f = a ? rp_arena_calloc(a, sizeof(*f)) : NULL;
    if (!f) {
        rp_arena_free(a);
        return;
    }
    f->arena = a;
    f->rule = rule;
    f->mode = mode;
    f->keys = rp_data_keys_ref(keys);
    f->seal_key = rp_data_key_current(keys, rule->key_id);
    if (viewer) {
        f->have_viewer = true;
        f->user = rp_arena_strndup(a, viewer->user, viewer->user_len);
        f->clear = rp_mask_viewer_clear(&rule->view, viewer->roles, viewer->roles_len,
                                        viewer->groups, viewer->groups_len);
    }
    if (media_json(content_type, content_type_len))
        f->req_form = false;
    else if (content_type &&
             media_is(content_type, content_type_len, "application/x-www-form-urlencoded"))
        f->req_form = true;
    else
        f->req_unsupported = true;
    rp_fe_rewriter_init(&f->req, rule, f->req_form, a, seal_value, f);
    f->req.refuse_container = true;
    rp_abuf_init(&f->req_out, a);
    tx->fieldenc = f;
}

static rp_status_t req_refuse(rp_tx_t *tx, int status, const char *why)
{
    tx_fieldenc_t *f = tx->fieldenc;
    f->req_failed = true;
    rp_tx_add_match(tx, "fieldenc", "data-protection", "body", why, "", 5, false, status);
    rp_tx_log_always(tx);
    if (f->mode == RP_MODE_BLOCK) {
        tx->host_refused = true;
        tx->block_status = status;
        return RP_BLOCK;
    }
    return RP_OK;
}

rp_status_t rp_tx_fieldenc_feed(rp_tx_t *tx, const void *data, size_t len)
{
    tx_fieldenc_t *f = tx->fieldenc;
    if (f->req_failed || f->req_done || len == 0)
        return f->req_failed && f->mode == RP_MODE_BLOCK ? RP_BLOCK : RP_OK;
    f->req_fed = true;
    if (f->req_unsupported)
        return req_refuse(tx, 415,
                          "a body of this content type cannot be field-encrypted (JSON or "
                          "urlencoded form only)");
    if (f->mode == RP_MODE_BLOCK && !f->seal_key)
        return req_refuse(tx, 503, "the gateway holds no version of the route's data key");
    f->req_bytes += len;
    if (f->req_bytes > tx->policy->limits.body)
        return req_refuse(tx, 413, "a field-encrypted body larger than the policy's body limit");
    if (rp_fe_rewriter_feed(&f->req, data, len, false, &f->req_out) != 0)
        return req_refuse(tx, 400, f->req.why ? f->req.why : "out of memory");
    return RP_OK;
}

rp_status_t rp_tx_fieldenc_request_body(rp_tx_t *tx, const void **out, size_t *out_len)
{
    tx_fieldenc_t *f = tx->fieldenc;
    if (!f || !f->req_fed)
        return RP_DECLINED;
    if (!f->req_failed && !f->req_done) {
        f->req_done = true;
        if (rp_fe_rewriter_feed(&f->req, "", 0, true, &f->req_out) != 0)
            req_refuse(tx, 400, f->req.why ? f->req.why : "out of memory");
        else if (f->mode != RP_MODE_BLOCK && f->sealed) {
            char *d = rp_arena_alloc(tx->arena, 96);
            if (d)
                snprintf(d, 96, "detect: %zu field values passed in clear", f->sealed);
            rp_tx_add_match(tx, "fieldenc", "data-protection", "body", d ? d : "detect", "", 0,
                            false, 0);
        }
    }
    if (f->req_failed)
        return f->mode == RP_MODE_BLOCK ? RP_BLOCK : RP_DECLINED;
    if (f->mode != RP_MODE_BLOCK)
        return RP_DECLINED;
    *out = f->req_out.data ? f->req_out.data : "";
    *out_len = f->req_out.len;
    return RP_OK;
}

/* ---- response: opening ---- */

void rp_tx_fieldenc_header(rp_tx_t *tx, const char *name, size_t name_len, const char *value,
                           size_t value_len)
{
    tx_fieldenc_t *f = tx->fieldenc;
    if (!f)
        return;
    if (name_len == 12 && strncasecmp(name, "content-type", 12) == 0)
        f->resp_type = rp_arena_strndup(f->arena, value, value_len > 256 ? 256 : value_len);
    else if (name_len == 16 && strncasecmp(name, "content-encoding", 16) == 0)
        f->resp_encoding = rp_arena_strndup(f->arena, value, value_len > 64 ? 64 : value_len);
}

/* The masked form of a plain value, as a JSON string. */
static int put_masked(rp_tx_t *tx, tx_fieldenc_t *f, int field, const char *plain, size_t n,
                      rp_abuf_t *out)
{
    rp_data_class_t cls = f->rule->fields[field].cls;
    const rp_mask_rules_t *m = tx->policy->masks;
    f->masked++;
    if (cls != RP_DC_NONE) {
        size_t cap = RP_DATA_MASK_MAX(n);
        char *o = rp_arena_alloc(f->arena, cap);
        size_t ol = o ? rp_data_mask(cls, f->rule->view.style[cls], plain, n,
                                     m ? m->hash_key : NULL, m ? m->hash_key_len : 0, o, cap)
                      : 0;
        if (ol)
            return rp_fe_json_escape(o, ol, out);
    }
    return rp_abuf_append(out, "\"[encrypted]\"", 13);
}

/* The redacted form of a value that could not be opened. */
static int put_redacted(tx_fieldenc_t *f, int field, rp_abuf_t *out)
{
    rp_data_class_t cls = f->rule->fields[field].cls;
    const char *name = cls != RP_DC_NONE ? rp_data_class_name(cls) : "encrypted";
    return rp_abuf_putc(out, '"') < 0 || rp_abuf_putc(out, '[') < 0 ||
                   rp_abuf_append(out, name, strlen(name)) < 0 || rp_abuf_append(out, "]\"", 2) < 0
               ? -1
               : 0;
}

/* Opens a text envelope into plain; the reason index on failure. */
static int open_envelope(tx_fieldenc_t *f, const char *raw, size_t len, rp_abuf_t *plain)
{
    uint8_t *bin = rp_arena_alloc(f->arena, len);
    size_t bl;
    rp_envelope_t env;
    if (!bin || rp_envelope_from_text(raw, len, bin, len, &bl) != RP_ENV_OK ||
        rp_envelope_parse(bin, bl, &env) != RP_ENV_OK)
        return OPEN_MALFORMED;
    if (env.key_id_len != strlen(f->rule->key_id) ||
        memcmp(env.key_id, f->rule->key_id, env.key_id_len) != 0)
        return OPEN_OTHER_KEY;
    const rp_data_key_t *k = rp_data_key_find(f->keys, f->rule->key_id, env.key_version);
    if (!k)
        return OPEN_UNKNOWN_VERSION;
    uint8_t *p = rp_arena_alloc(f->arena, env.ciphertext_len + 1);
    if (!p)
        return OPEN_MALFORMED;
    rp_env_status_t st = rp_envelope_open(&k->aead, k->key_id, k->version, &env, p);
    if (st != RP_ENV_OK)
        return st == RP_ENV_AUTH ? OPEN_AUTH : OPEN_MALFORMED;
    bool seen = false;
    for (size_t i = 0; i < f->nversions; i++)
        seen |= f->versions_seen[i] == env.key_version;
    if (!seen && f->nversions < sizeof(f->versions_seen) / sizeof(f->versions_seen[0]))
        f->versions_seen[f->nversions++] = env.key_version;
    plain->data = (char *)p;
    plain->len = env.ciphertext_len;
    return -1;
}

static int open_value(void *ctx, int field, rp_fe_kind_t kind, const char *raw, size_t len,
                      rp_abuf_t *out)
{
    rp_tx_t *tx = ctx;
    tx_fieldenc_t *f = tx->fieldenc;
    if (kind == RP_FE_JSON_SCALAR && (raw[0] == 't' || raw[0] == 'f' || raw[0] == 'n'))
        return rp_abuf_append(out, raw, len);
    rp_abuf_t plain;
    rp_abuf_init(&plain, f->arena);
    /* anything that says it is an envelope is opened as one: a broken one
     * is reported, not shown as if it were a clear value */
    bool envelope = kind == RP_FE_JSON_STRING && len >= 5 && memcmp(raw, "rpe1.", 5) == 0;
    if (envelope) {
        int why = open_envelope(f, raw, len, &plain);
        if (why >= 0) {
            f->failed[why]++;
            return put_redacted(f, field, out);
        }
    } else if (kind == RP_FE_JSON_SCALAR) {
        plain.data = (char *)raw;
        plain.len = len;
    } else if (rp_fe_json_unescape(raw, len, &plain) < 0) {
        return put_redacted(f, field, out);
    }
    int rc;
    if (f->clear) {
        f->opened += envelope;
        rc = rp_fe_json_escape(plain.data ? plain.data : "", plain.len, out);
    } else {
        rc = put_masked(tx, f, field, plain.data ? plain.data : "", plain.len, out);
    }
    if (envelope && plain.data)
        explicit_bzero(plain.data, plain.len);
    return rc;
}

bool rp_tx_fieldenc_start(rp_tx_t *tx)
{
    tx_fieldenc_t *f = tx->fieldenc;
    if (!f || tx->response_status == 204 || tx->response_status == 304 ||
        (tx->method && strcmp(tx->method, "HEAD") == 0))
        return false;
    if (!media_json(f->resp_type, f->resp_type ? strlen(f->resp_type) : 0))
        return false; /* not JSON: envelopes, if any, pass as ciphertext */
    if (f->resp_encoding && strcasecmp(f->resp_encoding, "identity") != 0) {
        /* the host asked for identity; an upstream that compresses anyway
         * keeps its envelopes closed */
        rp_tx_add_match(tx, "fieldenc", "data-protection", "response",
                        "encoded response: envelopes not opened", "", 0, false, 0);
        return false;
    }
    rp_fe_rewriter_init(&f->resp, f->rule, false, f->arena, open_value, tx);
    rp_abuf_init(&f->resp_out, f->arena);
    f->resp_on = true;
    return true;
}

rp_status_t rp_tx_fieldenc_body(rp_tx_t *tx, const void *in, size_t len, bool last,
                                const void **out, size_t *out_len)
{
    tx_fieldenc_t *f = tx->fieldenc;
    *out = in;
    *out_len = len;
    if (!f || !f->resp_on || f->resp_stopped)
        return RP_OK;
    /* a fresh buffer per piece: the host may still hold the last one */
    rp_abuf_init(&f->resp_out, f->arena);
    if (rp_fe_rewriter_feed(&f->resp, in, len, last, &f->resp_out) != 0) {
        /* upstream's JSON broke (or a value is over 64 KiB): the rest
         * cannot be read safely, and passing it could release a clear
         * value to a viewer who must not see it, so the response is cut */
        f->resp_stopped = true;
        char *d = rp_arena_alloc(tx->arena, 160);
        if (d)
            snprintf(d, 160, "response cut: %s", f->resp.why ? f->resp.why : "");
        rp_tx_add_match(tx, "fieldenc", "data-protection", "response", d ? d : "response cut", "",
                        5, false, 502);
        rp_tx_log_always(tx);
        tx->host_refused = true;
        tx->block_status = 502;
        return RP_BLOCK;
    }
    *out = f->resp_out.data ? f->resp_out.data : "";
    *out_len = f->resp_out.len;
    return RP_OK;
}

/* The event's account of the response: clear views are data access. */
void rp_tx_fieldenc_report(rp_tx_t *tx)
{
    tx_fieldenc_t *f = tx->fieldenc;
    if (!f || !f->resp_on)
        return;
    size_t failed = 0;
    for (int i = 0; i < OPEN_REASONS; i++)
        failed += f->failed[i];
    if (f->opened) {
        char *d = rp_arena_alloc(tx->arena, 256);
        if (d) {
            int n = snprintf(d, 256, "decrypted %zu values of %s for %s (versions", f->opened,
                             f->rule->key, f->user ? f->user : "-");
            for (size_t i = 0; i < f->nversions && n > 0 && n < 240; i++)
                n += snprintf(d + n, 256 - (size_t)n, " %u", f->versions_seen[i]);
            if (n > 0 && n < 254)
                snprintf(d + n, 256 - (size_t)n, ")");
        }
        rp_tx_add_match(tx, "fieldenc", "data-access", "response", d ? d : "decrypted", "", 0,
                        false, 0);
        rp_tx_log_always(tx);
    }
    if (failed) {
        char *d = rp_arena_alloc(tx->arena, 256);
        if (d)
            snprintf(d, 256,
                     "%zu envelopes of %s not opened, redacted: malformed=%zu other_key=%zu "
                     "unknown_version=%zu authentication_failed=%zu",
                     failed, f->rule->key, f->failed[OPEN_MALFORMED], f->failed[OPEN_OTHER_KEY],
                     f->failed[OPEN_UNKNOWN_VERSION], f->failed[OPEN_AUTH]);
        rp_tx_add_match(tx, "fieldenc", "data-integrity", "response", d ? d : "not opened", "", 0,
                        false, 0);
        rp_tx_log_always(tx);
    }
    (void)open_reasons;
}

void rp_tx_fieldenc_free(rp_tx_t *tx)
{
    tx_fieldenc_t *f = tx->fieldenc;
    if (!f)
        return;
    tx->fieldenc = NULL;
    rp_data_keys_unref(f->keys);
    rp_arena_free(f->arena);
}
