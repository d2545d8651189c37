/*
 * api_keys.c — key management endpoints (docs/CRYPTO.md, "Key management
 * API"): data keys and their versions, data-key rotation, the master key
 * and its rotation job, grants of key use. Metadata only: no endpoint
 * returns key material, wrapped or not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "api_names.h"
#include "audit_hook.h"
#include "keyring.h"
#include "log.h"
#include "timefmt.h"

static json_t *time_json(int64_t ms)
{
    if (!ms)
        return json_null();
    char t[TIME_RFC3339_MAX];
    time_format_rfc3339(ms, t);
    return json_string(t);
}

static const char *alg_name(int alg)
{
    return alg == RP_AEAD_AES_256_GCM ? "aes-256-gcm" : "sm4-gcm";
}

/* "sm4-gcm" (also the default for NULL), "aes-256-gcm"; 0 when unknown. */
static rp_aead_alg_t alg_parse(const char *s)
{
    if (!s || strcmp(s, "sm4-gcm") == 0)
        return RP_AEAD_SM4_GCM;
    if (strcmp(s, "aes-256-gcm") == 0)
        return RP_AEAD_AES_256_GCM;
    return 0;
}

static enum MHD_Result no_keys(http_req_t *r)
{
    return http_reply_error(r, 503, "keys_unavailable", "key management is not running");
}

static int add_version(void *ctx, const store_key_version_t *v)
{
    json_array_append_new(ctx, json_pack("{s:I, s:I, s:o}", "version", (json_int_t)v->version,
                                         "master_version", (json_int_t)v->master_version, "created",
                                         time_json(v->created)));
    return 0;
}

enum MHD_Result api_keys_list(http_req_t *r)
{
    store_t *s = r->ctl->store;
    if (!s->keys)
        return no_keys(r);
    /* keys first, then each one's versions: one pooled connection at a
     * time, never one held while waiting for another */
    store_key_array_t a = {NULL, 0, 0};
    int rc = s->keys->list(s, store_key_array_add, &a);
    json_t *list = json_array();
    for (size_t i = 0; rc == STORE_OK && i < a.n; i++) {
        const store_key_t *k = &a.keys[i];
        json_t *versions = json_array();
        rc = s->keys->versions(s, k->id, add_version, versions);
        json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:I, s:s, s:o, s:o, s:o}", "name",
                                              k->name, "app", k->app, "algorithm", alg_name(k->alg),
                                              "current_version", (json_int_t)k->current_version,
                                              "created_by", k->created_by, "created",
                                              time_json(k->created), "updated",
                                              time_json(k->updated), "versions", versions));
    }
    free(a.keys);
    if (rc != STORE_OK) {
        json_decref(list);
        return api_store_error(r, rc);
    }
    return http_reply_json(r, 200, json_pack("{s:o}", "keys", list));
}

static enum MHD_Result keyring_error(http_req_t *r, keyring_status_t st)
{
    switch (st) {
    case KEYRING_NOT_FOUND:
        return http_reply_error(r, 404, "not_found", "no such key or key version");
    case KEYRING_CONFLICT:
        return http_reply_error(r, 409, "conflict", "the key exists already");
    case KEYRING_UNAVAILABLE:
        return http_reply_error(r, 503, "master_key_unavailable",
                                "the master key provider cannot wrap or unwrap this key");
    default:
        return api_store_error(r, STORE_ERROR);
    }
}

enum MHD_Result api_keys_create(http_req_t *r)
{
    if (!r->ctl->keyring)
        return no_keys(r);
    enum MHD_Result rc;
    json_t *body = http_json_body(r, &rc);
    if (!body)
        return rc;
    const char *name = json_string_value(json_object_get(body, "name"));
    json_t *alg_v = json_object_get(body, "algorithm");
    rp_aead_alg_t alg = alg_parse(json_string_value(alg_v));
    if (!keyring_valid_name(name) || (alg_v && !json_is_string(alg_v)) || !alg) {
        json_decref(body);
        return http_reply_error(r, 400, "bad_request",
                                "name APP/FIELD (each of A-Z a-z 0-9 . _ -, 32 bytes in all) and "
                                "optional algorithm (sm4-gcm, the default, or aes-256-gcm)");
    }
    audit_note(r, "key.create", name);
    audit_detail(r, "algorithm", json_string(alg_name(alg)));
    store_key_t k;
    keyring_status_t st = keyring_create(r->ctl->keyring, name, alg, r->who.name, &k);
    json_decref(body);
    if (st != KEYRING_OK)
        return keyring_error(r, st);
    log_kv(LOG_LEVEL_INFO, "data key created", "key", k.name, "by", r->who.name, NULL);
    return http_reply_json(r, 201,
                           json_pack("{s:s, s:s, s:s, s:I}", "name", k.name, "app", k.app,
                                     "algorithm", alg_name(k.alg), "current_version",
                                     (json_int_t)1));
}

enum MHD_Result api_keys_rotate(http_req_t *r)
{
    if (!r->ctl->keyring)
        return no_keys(r);
    enum MHD_Result rc;
    json_t *body = http_json_body(r, &rc);
    if (!body)
        return rc;
    const char *name = json_string_value(json_object_get(body, "name"));
    if (!keyring_valid_name(name)) {
        json_decref(body);
        return http_reply_error(r, 400, "bad_request", "name: the key to rotate (APP/FIELD)");
    }
    char key[STORE_KEY_NAME_MAX + 1];
    snprintf(key, sizeof(key), "%s", name);
    json_decref(body);
    audit_note(r, "key.rotate", key);
    uint32_t version = 0;
    keyring_status_t st = keyring_rotate(r->ctl->keyring, key, &version);
    if (st != KEYRING_OK)
        return keyring_error(r, st);
    audit_detail(r, "version", json_integer(version));
    log_kv(LOG_LEVEL_INFO, "data key rotated", "key", key, "version", LOG_INT(version), "by",
           r->who.name, NULL);
    return http_reply_json(
        r, 200, json_pack("{s:s, s:I}", "name", key, "current_version", (json_int_t)version));
}

static json_t *job_json(const store_key_job_t *j)
{
    return json_pack("{s:I, s:s, s:s, s:I, s:I, s:I, s:i, s:s, s:s, s:o, s:o}", "id",
                     (json_int_t)j->id, "kind", j->kind, "state", j->state, "target_version",
                     (json_int_t)j->target, "total", (json_int_t)j->total, "done",
                     (json_int_t)j->done, "rate", j->rate, "created_by", j->created_by, "error",
                     j->error, "created", time_json(j->created), "updated", time_json(j->updated));
}

static int add_job(void *ctx, const store_key_job_t *j)
{
    json_array_append_new(ctx, job_json(j));
    return json_array_size(ctx) >= 100;
}

enum MHD_Result api_keys_jobs(http_req_t *r)
{
    store_t *s = r->ctl->store;
    if (!s->keys)
        return no_keys(r);
    json_t *list = json_array();
    int rc = s->keys->job_list(s, add_job, list);
    if (rc != STORE_OK) {
        json_decref(list);
        return api_store_error(r, rc);
    }
    return http_reply_json(r, 200, json_pack("{s:o}", "jobs", list));
}

enum MHD_Result api_keys_master(http_req_t *r)
{
    keyring_t *kr = r->ctl->keyring;
    if (!kr)
        return no_keys(r);
    json_t *jobs = json_array();
    int rc = r->ctl->store->keys->job_list(r->ctl->store, add_job, jobs);
    if (rc != STORE_OK) {
        json_decref(jobs);
        return api_store_error(r, rc);
    }
    json_t *last = json_array_size(jobs) ? json_incref(json_array_get(jobs, 0)) : json_null();
    json_decref(jobs);
    return http_reply_json(r, 200,
                           json_pack("{s:s, s:I, s:o}", "provider", keyring_provider_name(kr),
                                     "version", (json_int_t)keyring_master_version(kr), "job",
                                     last));
}

enum MHD_Result api_keys_master_rotate(http_req_t *r)
{
    keyring_t *kr = r->ctl->keyring;
    if (!kr)
        return no_keys(r);
    enum MHD_Result rc;
    json_t *body = http_json_body(r, &rc);
    if (!body)
        return rc;
    json_t *alg_v = json_object_get(body, "algorithm"), *rate_v = json_object_get(body, "rate");
    rp_aead_alg_t alg = alg_parse(json_string_value(alg_v));
    int bad = (alg_v && !json_is_string(alg_v)) || !alg ||
              (rate_v && (!json_is_integer(rate_v) || json_integer_value(rate_v) < 0 ||
                          json_integer_value(rate_v) > 1000000));
    int rate = json_is_integer(rate_v) ? (int)json_integer_value(rate_v) : 0;
    json_decref(body);
    if (bad)
        return http_reply_error(r, 400, "bad_request",
                                "optional algorithm (sm4-gcm, aes-256-gcm) and rate (data key "
                                "versions per second, 0 = no limit)");
    audit_note(r, "key.master_rotate", "master");
    store_key_job_t job;
    keyring_status_t st = keyring_master_rotate(kr, alg, rate, r->who.name, &job);
    if (st == KEYRING_CONFLICT)
        return http_reply_json(r, 409,
                               json_pack("{s:s, s:s, s:o}", "error", "job_running", "message",
                                         "a master key rotation is running", "job",
                                         job_json(&job)));
    if (st != KEYRING_OK)
        return keyring_error(r, st);
    audit_detail(r, "master_version", json_integer(job.target));
    audit_detail(r, "job", json_integer(job.id));
    return http_reply_json(r, 202, json_pack("{s:o}", "job", job_json(&job)));
}

/* ---- grants ----------------------------------------------------------------- */

static json_t *ops_json(unsigned ops)
{
    json_t *a = json_array();
    for (int i = 0; i < KEY_OP_COUNT; i++)
        if (ops & (1u << i))
            json_array_append_new(a, json_string(key_op_name(i)));
    return a;
}

static int add_grant(void *ctx, const store_grant_t *g)
{
    json_t *keys = json_loads(g->keys, 0, NULL);
    json_array_append_new(ctx,
                          json_pack("{s:I, s:s, s:s, s:o, s:o, s:s, s:o}", "id", (json_int_t)g->id,
                                    "subject", g->subject, "app", g->app, "keys",
                                    keys ? keys : json_array(), "ops", ops_json(g->ops),
                                    "created_by", g->created_by, "created", time_json(g->created)));
    return 0;
}

enum MHD_Result api_grants_list(http_req_t *r)
{
    store_t *s = r->ctl->store;
    if (!s->keys)
        return no_keys(r);
    json_t *list = json_array();
    int rc = s->keys->grant_list(s, add_grant, list);
    if (rc != STORE_OK) {
        json_decref(list);
        return api_store_error(r, rc);
    }
    return http_reply_json(r, 200, json_pack("{s:o}", "grants", list));
}

/* The ops array as a bit set; 0 when empty or an unknown name. */
static unsigned ops_parse(json_t *a)
{
    unsigned ops = 0;
    size_t i;
    json_t *v;
    if (!json_is_array(a))
        return 0;
    json_array_foreach(a, i, v)
    {
        const char *name = json_string_value(v);
        int found = 0;
        for (int b = 0; name && b < KEY_OP_COUNT; b++)
            if (strcmp(name, key_op_name(b)) == 0) {
                ops |= 1u << b;
                found = 1;
            }
        if (!found)
            return 0;
    }
    return ops;
}

/* ["*"] or field names that make valid key names with app. */
static int keys_valid(const char *app, json_t *keys)
{
    size_t i;
    json_t *v;
    if (!json_is_array(keys) || json_array_size(keys) == 0 || json_array_size(keys) > 16)
        return 0;
    json_array_foreach(keys, i, v)
    {
        const char *field = json_string_value(v);
        char name[2 * STORE_KEY_NAME_MAX + 2];
        if (!field)
            return 0;
        if (strcmp(field, "*") == 0 && json_array_size(keys) == 1)
            continue;
        snprintf(name, sizeof(name), "%s/%s", app, field);
        if (!keyring_valid_name(name))
            return 0;
    }
    return 1;
}

enum MHD_Result api_grants_create(http_req_t *r)
{
    store_t *s = r->ctl->store;
    if (!s->keys)
        return no_keys(r);
    enum MHD_Result rc;
    json_t *body = http_json_body(r, &rc);
    if (!body)
        return rc;
    const char *subject = json_string_value(json_object_get(body, "subject"));
    const char *app = json_string_value(json_object_get(body, "app"));
    json_t *keys = json_object_get(body, "keys");
    unsigned ops = ops_parse(json_object_get(body, "ops"));
    char probe[STORE_KEY_NAME_MAX + 3];
    snprintf(probe, sizeof(probe), "%s/x", app ? app : "");
    /* a subject is an account name or "token:" + a token name */
    const char *bare = subject && strncmp(subject, "token:", 6) == 0 ? subject + 6 : subject;
    if (!api_valid_name(bare) || strlen(subject) > 64 || !app || !keyring_valid_name(probe) ||
        strchr(app, '/') || !keys_valid(app, keys) || !ops) {
        json_decref(body);
        return http_reply_error(r, 400, "bad_request",
                                "subject (an account name or token:NAME), app, keys (field names "
                                "of the app's keys, or [\"*\"]) and ops (encrypt, decrypt, "
                                "rewrap, blind_index, tokenize, detokenize)");
    }
    store_grant_t g;
    memset(&g, 0, sizeof(g));
    snprintf(g.subject, sizeof(g.subject), "%s", subject);
    snprintf(g.app, sizeof(g.app), "%s", app);
    char *keys_text = json_dumps(keys, JSON_COMPACT);
    snprintf(g.keys, sizeof(g.keys), "%s", keys_text ? keys_text : "[]");
    free(keys_text);
    g.ops = ops;
    snprintf(g.created_by, sizeof(g.created_by), "%s", r->who.name);
    g.created = time_now_ms();
    audit_note(r, "key.grant", g.subject);
    audit_detail(r, "app", json_string(g.app));
    audit_detail(r, "keys", json_incref(keys));
    audit_detail(r, "ops", ops_json(ops));
    json_decref(body);
    int st = s->keys->grant_create(s, &g);
    if (st != STORE_OK)
        return api_store_error(r, st);
    audit_detail(r, "id", json_integer(g.id));
    json_t *list = json_array();
    add_grant(list, &g);
    json_t *one = json_incref(json_array_get(list, 0));
    json_decref(list);
    return http_reply_json(r, 201, one);
}

enum MHD_Result api_grants_delete(http_req_t *r)
{
    store_t *s = r->ctl->store;
    if (!s->keys)
        return no_keys(r);
    audit_note(r, "key.revoke_grant", NULL);
    char *end;
    long long id = strtoll(r->arg, &end, 10);
    if (*end || id <= 0)
        return http_reply_error(r, 400, "bad_request", "the grant id must be a positive integer");
    int st = s->keys->grant_delete(s, id);
    if (st == STORE_NOT_FOUND)
        return http_reply_error(r, 404, "not_found", "no such grant");
    if (st != STORE_OK)
        return api_store_error(r, st);
    return http_reply(r, 204, NULL, NULL, 0);
}
