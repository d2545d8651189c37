/*
 * api_oidc_clients.c — operators register OpenID Connect relying parties
 * (docs/IDENTITY.md "OpenID Connect provider"):
 *
 *   GET    /api/v1/oidc/clients          oidc-clients:read
 *   POST   /api/v1/oidc/clients          oidc-clients:manage  201, the secret once
 *   GET    /api/v1/oidc/clients/{id}     oidc-clients:read
 *   PATCH  /api/v1/oidc/clients/{id}     oidc-clients:manage  rotate_secret: a new secret once
 *   DELETE /api/v1/oidc/clients/{id}     oidc-clients:manage
 *
 * A confidential client's secret is 256 random bits; only its SHA-256 is
 * kept (a random secret of that size needs no slow hash). A client without
 * a secret ("public": true) must use PKCE.
 */
#include "api_oidc.h"

#include <stdio.h>
#include <string.h>

#include "api.h"
#include "api_names.h"
#include "audit_hook.h"
#include "jose.h"
#include "secret.h"
#include "store_oidc.h"
#include "timefmt.h"

#define MAX_URIS 10

static const char *const known_scopes[] = {"openid", "profile", "email",
                                           "phone",  "groups",  "offline_access"};

int oidc_scope_known(const char *scope, size_t len)
{
    for (size_t i = 0; i < sizeof(known_scopes) / sizeof(known_scopes[0]); i++)
        if (strlen(known_scopes[i]) == len && strncmp(scope, known_scopes[i], len) == 0)
            return 1;
    return 0;
}

int oidc_uri_acceptable(const char *uri)
{
    size_t len = strlen(uri);
    if (len == 0 || len > 512 || strchr(uri, '#'))
        return 0;
    for (const unsigned char *p = (const unsigned char *)uri; *p; p++)
        if (*p <= 0x20 || *p >= 0x7f || *p == '\\' || *p == '"' || *p == '<' || *p == '>')
            return 0;
    size_t scheme = strncmp(uri, "https://", 8) == 0 ? 8 : strncmp(uri, "http://", 7) == 0 ? 7 : 0;
    size_t alen = scheme ? strcspn(uri + scheme, "/?") : 0;
    return scheme && alen > 0 && !memchr(uri + scheme, '@', alen);
}

void oidc_secret_hash(const char *secret, char out[48])
{
    unsigned char md[SECRET_SHA256_LEN];
    secret_sha256(secret, strlen(secret), md);
    secret_base64url(md, sizeof(md), out);
}

static json_t *client_json(const oidc_client_t *c)
{
    return json_pack("{s:s, s:s, s:s, s:b, s:b, s:o, s:o, s:s, s:s, s:I, s:I}", "client_id",
                     c->client_id, "name", c->name, "app", c->app, "public", !c->secret_hash[0],
                     "first_party", c->first_party, "redirect_uris",
                     json_loads(c->redirect_uris, 0, NULL), "post_logout_redirect_uris",
                     json_loads(c->post_logout_uris, 0, NULL), "scopes", c->scopes,
                     "id_token_signed_response_alg", c->alg, "created", (json_int_t)c->created,
                     "updated", (json_int_t)c->updated);
}

/* A JSON array of acceptable URIs as text into out; NULL or the reason. */
static const char *uri_list(json_t *v, char *out, size_t cap, int required)
{
    if (!v)
        return required ? "redirect_uris: at least one is required" : NULL;
    size_t i;
    json_t *u;
    if (!json_is_array(v) || json_array_size(v) > MAX_URIS || (required && !json_array_size(v)))
        return "redirect_uris and post_logout_redirect_uris: arrays of 1 to 10 URIs";
    json_array_foreach(v, i, u)
    {
        if (!json_is_string(u) || !oidc_uri_acceptable(json_string_value(u)))
            return "a redirect URI must be absolute http(s), without fragment, user-info, spaces "
                   "or quotes, at most 512 characters";
    }
    char *text = json_dumps(v, JSON_COMPACT);
    int fits = text && strlen(text) < cap;
    if (fits)
        snprintf(out, cap, "%s", text);
    free(text);
    return fits ? NULL : "too many redirect URIs";
}

/* Applies body's fields to c; NULL or the reason. */
static const char *apply(http_req_t *r, json_t *body, oidc_client_t *c, int creating)
{
    json_t *v;
    if ((v = json_object_get(body, "name"))) {
        if (!json_is_string(v) || strlen(json_string_value(v)) >= sizeof(c->name))
            return "name: a string of at most 128 bytes";
        snprintf(c->name, sizeof(c->name), "%s", json_string_value(v));
    }
    if ((v = json_object_get(body, "app")) || creating) {
        store_app_t app;
        const char *name = json_string_value(v);
        if (!api_valid_name(name) ||
            r->ctl->store->ops->app_get(r->ctl->store, name, &app) != STORE_OK)
            return "app: the name of a registered application";
        snprintf(c->app, sizeof(c->app), "%s", name);
    }
    if ((v = json_object_get(body, "first_party"))) {
        if (!json_is_boolean(v))
            return "first_party: true or false";
        c->first_party = json_is_true(v);
    }
    const char *bad;
    if ((v = json_object_get(body, "redirect_uris")) || creating)
        if ((bad = uri_list(v, c->redirect_uris, sizeof(c->redirect_uris), 1)))
            return bad;
    if ((v = json_object_get(body, "post_logout_redirect_uris")))
        if ((bad = uri_list(v, c->post_logout_uris, sizeof(c->post_logout_uris), 0)))
            return bad;
    if ((v = json_object_get(body, "scopes"))) {
        size_t i;
        json_t *s;
        char scopes[sizeof(c->scopes)] = "openid";
        if (!json_is_array(v))
            return "scopes: an array";
        json_array_foreach(v, i, s)
        {
            const char *name = json_string_value(s);
            if (!name || !oidc_scope_known(name, strlen(name)))
                return "scopes: openid, profile, email, phone, groups, offline_access";
            if (strcmp(name, "openid") && strlen(scopes) + strlen(name) + 2 < sizeof(scopes))
                snprintf(scopes + strlen(scopes), sizeof(scopes) - strlen(scopes), " %s", name);
        }
        snprintf(c->scopes, sizeof(c->scopes), "%s", scopes);
    }
    if ((v = json_object_get(body, "id_token_signed_response_alg"))) {
        if (jose_alg_parse(json_string_value(v)) < 0)
            return "id_token_signed_response_alg: RS256, ES256 or SM2SM3";
        snprintf(c->alg, sizeof(c->alg), "%s", json_string_value(v));
    }
    return NULL;
}

/* A new secret into out (shown once) and its hash into c. */
static int new_secret(oidc_client_t *c, char out[64])
{
    unsigned char raw[32];
    if (secret_random(raw, sizeof(raw)))
        return -1;
    secret_base64url(raw, sizeof(raw), out);
    secret_wipe(raw, sizeof(raw));
    oidc_secret_hash(out, c->secret_hash);
    return 0;
}

typedef struct {
    json_t *list;
} list_ctx_t;

static int add_to_list(void *ctx, const oidc_client_t *c)
{
    json_array_append_new(((list_ctx_t *)ctx)->list, client_json(c));
    return 0;
}

enum MHD_Result api_oidc_clients_list(http_req_t *r)
{
    list_ctx_t l = {json_array()};
    int rc = oidc_client_list(r->ctl->store, add_to_list, &l);
    if (rc != STORE_OK) {
        json_decref(l.list);
        return api_store_error(r, rc);
    }
    return http_reply_json(r, 200, json_pack("{s:o}", "clients", l.list));
}

enum MHD_Result api_oidc_clients_get(http_req_t *r)
{
    oidc_client_t *c = calloc(1, sizeof(*c));
    if (!c)
        return http_reply_error(r, 500, "internal", "out of memory");
    int rc = oidc_client_get(r->ctl->store, r->arg, c);
    enum MHD_Result res = rc == STORE_NOT_FOUND
                              ? http_reply_error(r, 404, "not_found", "no such client")
                          : rc != STORE_OK ? api_store_error(r, rc)
                                           : http_reply_json(r, 200, client_json(c));
    free(c);
    return res;
}

enum MHD_Result api_oidc_clients_create(http_req_t *r)
{
    enum MHD_Result res;
    json_t *body = http_json_body(r, &res);
    if (!body)
        return res;
    oidc_client_t *c = calloc(1, sizeof(*c));
    if (!c) {
        json_decref(body);
        return http_reply_error(r, 500, "internal", "out of memory");
    }
    const char *id = json_string_value(json_object_get(body, "client_id"));
    json_t *pub = json_object_get(body, "public");
    audit_note(r, "oidc.client.create", api_valid_name(id) ? id : NULL);
    const char *bad = NULL;
    if (!api_valid_name(id))
        bad = "client_id: 1-64 of A-Z a-z 0-9 . _ -";
    else if (pub && !json_is_boolean(pub))
        bad = "public: true or false";
    snprintf(c->client_id, sizeof(c->client_id), "%s", id ? id : "");
    snprintf(c->scopes, sizeof(c->scopes), "openid");
    snprintf(c->alg, sizeof(c->alg), "RS256");
    snprintf(c->post_logout_uris, sizeof(c->post_logout_uris), "[]");
    if (!bad)
        bad = apply(r, body, c, 1);
    if (!c->name[0])
        snprintf(c->name, sizeof(c->name), "%s", c->client_id);
    char secret[64] = "";
    if (!bad && !json_is_true(pub) && new_secret(c, secret))
        bad = "no randomness";
    json_decref(body);
    if (bad) {
        free(c);
        return http_reply_error(r, 400, "bad_request", bad);
    }
    c->created = c->updated = time_now_ms();
    int rc = oidc_client_add(r->ctl->store, c);
    if (rc == STORE_CONFLICT)
        res = http_reply_error(r, 409, "conflict", "the client_id is taken");
    else if (rc != STORE_OK)
        res = api_store_error(r, rc);
    else {
        json_t *o = client_json(c);
        if (secret[0])
            json_object_set_new(o, "client_secret", json_string(secret));
        audit_detail(r, "app", json_string(c->app));
        res = http_reply_json(r, 201, o);
    }
    secret_wipe(secret, sizeof(secret));
    free(c);
    return res;
}

enum MHD_Result api_oidc_clients_update(http_req_t *r)
{
    enum MHD_Result res;
    audit_note(r, "oidc.client.update", NULL);
    json_t *body = http_json_body(r, &res);
    if (!body)
        return res;
    oidc_client_t *c = calloc(1, sizeof(*c));
    int rc = c ? oidc_client_get(r->ctl->store, r->arg, c) : STORE_ERROR;
    if (rc != STORE_OK) {
        json_decref(body);
        free(c);
        return rc == STORE_NOT_FOUND ? http_reply_error(r, 404, "not_found", "no such client")
                                     : api_store_error(r, rc);
    }
    json_t *rotate = json_object_get(body, "rotate_secret");
    const char *bad = apply(r, body, c, 0);
    char secret[64] = "";
    if (!bad && rotate &&
        (!json_is_boolean(rotate) || (json_is_true(rotate) && !c->secret_hash[0])))
        bad = "rotate_secret: true, for a confidential client";
    if (!bad && json_is_true(rotate) && new_secret(c, secret))
        bad = "no randomness";
    json_decref(body);
    if (bad) {
        free(c);
        return http_reply_error(r, 400, "bad_request", bad);
    }
    c->updated = time_now_ms();
    rc = oidc_client_update(r->ctl->store, c);
    if (rc != STORE_OK)
        res = api_store_error(r, rc);
    else {
        json_t *o = client_json(c);
        if (secret[0]) {
            json_object_set_new(o, "client_secret", json_string(secret));
            audit_detail(r, "rotate_secret", json_true());
        }
        res = http_reply_json(r, 200, o);
    }
    secret_wipe(secret, sizeof(secret));
    free(c);
    return res;
}

enum MHD_Result api_oidc_clients_delete(http_req_t *r)
{
    audit_note(r, "oidc.client.delete", NULL);
    int rc = oidc_client_delete(r->ctl->store, r->arg);
    if (rc == STORE_NOT_FOUND)
        return http_reply_error(r, 404, "not_found", "no such client");
    if (rc != STORE_OK)
        return api_store_error(r, rc);
    return http_reply(r, 204, NULL, NULL, 0);
}
