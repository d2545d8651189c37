/*
 * api_tokens.c — API tokens for automation and gateways (admin only).
 *
 * A token is "rpt_" + 43 base64url characters (256 random bits), shown
 * once in the creation answer; the store keeps its SHA-256 and its first
 * 12 characters to recognise it in lists. Each token has one role; a
 * gateway token can only submit events and fetch the distribution bundle.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "api_names.h"
#include "audit_hook.h"
#include "log.h"
#include "secret.h"
#include "timefmt.h"

#define TOKEN_PREFIX      "rpt_"
#define TOKEN_BYTES       32
#define TOKEN_SHOWN_CHARS 12

static json_t *time_or_null(int64_t ms)
{
    if (!ms)
        return json_null();
    char t[TIME_RFC3339_MAX];
    time_format_rfc3339(ms, t);
    return json_string(t);
}

static json_t *token_json(const store_token_t *t)
{
    return json_pack("{s:I, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o}", "id", (json_int_t)t->id,
                     "name", t->name, "role", t->role, "prefix", t->prefix, "created_by",
                     t->created_by ? json_integer(t->created_by) : json_null(), "created",
                     time_or_null(t->created), "last_used", time_or_null(t->last_used), "expires",
                     time_or_null(t->expires), "revoked", time_or_null(t->revoked));
}

static int add_token(void *ctx, const store_token_t *t)
{
    json_array_append_new(ctx, token_json(t));
    return 0;
}

enum MHD_Result api_tokens_list(http_req_t *r)
{
    json_t *list = json_array();
    int rc = r->ctl->store->ops->token_list(r->ctl->store, add_token, list);
    if (rc != STORE_OK) {
        json_decref(list);
        return api_store_error(r, rc);
    }
    return http_reply_json(r, 200, json_pack("{s:o}", "tokens", list));
}

enum MHD_Result api_tokens_create(http_req_t *r)
{
    enum MHD_Result rc;
    json_t *body = http_json_body(r, &rc);
    if (!body)
        return rc;
    const char *name = json_string_value(json_object_get(body, "name"));
    const char *role = json_string_value(json_object_get(body, "role"));
    json_t *days = json_object_get(body, "expires_days");
    if (!api_valid_name(name) || role_parse(role) == ROLE_NONE ||
        (days && !json_is_null(days) &&
         (!json_is_integer(days) || json_integer_value(days) < 1 ||
          json_integer_value(days) > 3650))) {
        json_decref(body);
        return http_reply_error(r, 400, "bad_request",
                                "name (1-64 of A-Z a-z 0-9 . _ - @), role (admin, secops, "
                                "auditor, gateway or app) and optional expires_days (1-3650)");
    }
    audit_note(r, "token.create", name);
    audit_detail(r, "role", json_string(role));
    store_token_t t;
    memset(&t, 0, sizeof(t));
    snprintf(t.name, sizeof(t.name), "%s", name);
    snprintf(t.role, sizeof(t.role), "%s", role);
    t.created = time_now_ms();
    if (json_is_integer(days))
        t.expires = t.created + json_integer_value(days) * 86400000LL;
    json_decref(body);
    t.created_by = r->who.user_id;
    char secret[80];
    if (secret_token(TOKEN_PREFIX, TOKEN_BYTES, secret, sizeof(secret)))
        return http_reply_error(r, 500, "internal", "cannot generate a token");
    secret_sha256(secret, strlen(secret), t.hash);
    snprintf(t.prefix, sizeof(t.prefix), "%.*s", TOKEN_SHOWN_CHARS, secret);
    int st = r->ctl->store->ops->token_create(r->ctl->store, &t);
    if (st != STORE_OK) {
        secret_wipe(secret, sizeof(secret));
        return st == STORE_CONFLICT
                   ? http_reply_error(r, 409, "conflict", "a token with this name exists")
                   : api_store_error(r, st);
    }
    log_kv(LOG_LEVEL_INFO, "API token created", "token", t.name, "role", t.role, "prefix", t.prefix,
           "by", r->who.name, NULL);
    audit_detail(r, "id", json_integer(t.id));
    audit_detail(r, "prefix", json_string(t.prefix));
    json_t *o = json_pack("{s:o, s:s}", "token", token_json(&t), "secret", secret);
    secret_wipe(secret, sizeof(secret));
    return http_reply_json(r, 201, o);
}

enum MHD_Result api_tokens_revoke(http_req_t *r)
{
    audit_note(r, "token.revoke", NULL);
    char *end;
    long long id = strtoll(r->arg, &end, 10);
    if (*end || id <= 0)
        return http_reply_error(r, 400, "bad_request", "the token id must be a positive integer");
    int st = r->ctl->store->ops->token_revoke(r->ctl->store, id, time_now_ms());
    if (st == STORE_NOT_FOUND)
        return http_reply_error(r, 404, "not_found", "no such active token");
    if (st != STORE_OK)
        return api_store_error(r, st);
    log_kv(LOG_LEVEL_INFO, "API token revoked", "id", LOG_INT(id), "by", r->who.name, NULL);
    return http_reply(r, 204, NULL, NULL, 0);
}
