/*
 * api_oidc_userinfo.c — the UserInfo endpoint (OpenID Connect Core §5.3,
 * bearer tokens per RFC 6750 §2.1) and RP-initiated logout (OpenID
 * Connect RP-Initiated Logout 1.0).
 *
 * GET|POST /oidc/userinfo, Authorization: Bearer <access token>: the
 * claims the token's scopes allow — openid: sub; profile: name,
 * preferred_username; email: email; phone: phone_number; groups: groups
 * and roles. A token is refused (401, WWW-Authenticate: Bearer
 * error="invalid_token") when unknown, expired, revoked, or when its
 * portal session has ended or the user was revoked (the identity
 * revocation list), locked or disabled.
 *
 * GET /oidc/logout?id_token_hint&post_logout_redirect_uri&state: the hint
 * must be an ID token this provider signed (expired is fine); the session
 * it names is ended (a revocation entry, so every gateway drops it too)
 * with every token issued under it, and the browser goes to
 * post_logout_redirect_uri when it is exactly one the client registered
 * (else an error page: no open redirect), or gets a plain page.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "api_oidc.h"
#include "idevent.h"
#include "idsession.h"
#include "jose.h"
#include "oidc_keys.h"
#include "store_dir.h"
#include "store_idsess.h"
#include "store_oidc.h"
#include "timefmt.h"

static enum MHD_Result bearer_error(http_req_t *r, const char *desc)
{
    http_add_header(r, "WWW-Authenticate", "Bearer realm=\"rampart\", error=\"invalid_token\"");
    http_add_header(r, "Cache-Control", "no-store");
    return http_reply_json(
        r, 401, json_pack("{s:s, s:s}", "error", "invalid_token", "error_description", desc));
}

typedef struct {
    json_t *list;
} names_t;

static int add_name(void *ctx, const char *name)
{
    json_array_append_new(((names_t *)ctx)->list, json_string(name));
    return 0;
}

static int scope_has(const char *scopes, const char *want)
{
    size_t wl = strlen(want);
    for (const char *p = scopes; *p;) {
        size_t len = strcspn(p, " ");
        if (len == wl && strncmp(p, want, len) == 0)
            return 1;
        p += len + (p[len] == ' ');
    }
    return 0;
}

enum MHD_Result api_oidc_userinfo(http_req_t *r)
{
    const char *auth = http_header(r, "Authorization");
    if (!auth || strncasecmp(auth, "Bearer ", 7) != 0 || strlen(auth + 7) > 64)
        return bearer_error(r, "a bearer access token is required");
    char hash[48];
    oidc_secret_hash(auth + 7, hash);
    oidc_grant_t *g = calloc(1, sizeof(*g));
    if (!g)
        return http_reply_error(r, 500, "internal", "out of memory");
    int rc = oidc_token_get(r->ctl->store, hash, g);
    json_t *data = rc == STORE_OK ? json_loads(g->grant_data, 0, NULL) : NULL;
    dir_user_t u;
    idsess_t sess;
    int64_t before = 0;
    int ok = data && strcmp(g->kind, "access") == 0 && !g->revoked &&
             g->expires >= time_now_ms() / 1000 &&
             idsess_get(r->ctl->store, g->sid, &sess) == STORE_OK &&
             dir_user_get_id(r->ctl->store, g->user_id, &u) == STORE_OK &&
             strcmp(u.state, "active") == 0 &&
             idrev_user_before(r->ctl->store, g->user_id, &before) == STORE_OK &&
             json_integer_value(json_object_get(data, "auth_time")) >= before;
    free(g);
    if (!ok) {
        json_decref(data);
        if (rc != STORE_OK && rc != STORE_NOT_FOUND)
            return api_store_error(r, rc);
        return bearer_error(r, "unknown, expired or revoked access token");
    }
    const char *scope = json_string_value(json_object_get(data, "scope"));
    json_t *o = json_pack("{s:s}", "sub", u.name);
    if (scope_has(scope, "profile")) {
        json_object_set_new(o, "name", json_string(u.display_name[0] ? u.display_name : u.name));
        json_object_set_new(o, "preferred_username", json_string(u.name));
    }
    if (scope_has(scope, "email") && u.email[0])
        json_object_set_new(o, "email", json_string(u.email));
    if (scope_has(scope, "phone") && u.phone[0])
        json_object_set_new(o, "phone_number", json_string(u.phone));
    if (scope_has(scope, "groups")) {
        names_t groups = {json_array()}, roles = {json_array()};
        dir_memberships(r->ctl->store, NULL, u.id, DIR_GROUPS, add_name, &groups);
        dir_memberships(r->ctl->store, NULL, u.id, DIR_ROLES, add_name, &roles);
        json_object_set_new(o, "groups", groups.list);
        json_object_set_new(o, "roles", roles.list);
    }
    json_decref(data);
    http_add_header(r, "Cache-Control", "no-store");
    return http_reply_json(r, 200, o);
}

static enum MHD_Result logout_page(http_req_t *r, unsigned status, const char *text)
{
    char *body = NULL;
    int n = asprintf(&body,
                     "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\">"
                     "<title>Rampart</title><p>%s</p></html>\n",
                     text);
    http_add_header(r, "Cache-Control", "no-store");
    return http_reply(r, status, "text/html; charset=utf-8", n > 0 ? body : NULL,
                      n > 0 ? (size_t)n : 0);
}

enum MHD_Result api_oidc_logout(http_req_t *r)
{
    const char *hint = http_query(r, "id_token_hint");
    const char *target = http_query(r, "post_logout_redirect_uri");
    const char *state = http_query(r, "state");
    const char *client_id = http_query(r, "client_id");
    jose_parsed_t p;
    if (!hint || jose_parse(hint, strlen(hint), &p))
        return logout_page(r, 400, "Logout needs the id_token_hint of the application.");
    jose_alg_t alg;
    char iss[256];
    oidc_issuer(r->cfg, iss, sizeof(iss));
    oidc_keys_refresh(r->ctl, 0);
    EVP_PKEY *key = oidc_keys_find(p.kid, &alg);
    const char *aud = json_string_value(json_object_get(p.payload, "aud"));
    const char *sid = json_string_value(json_object_get(p.payload, "sid"));
    const char *sub = json_string_value(json_object_get(p.payload, "sub"));
    int ok = key && alg == p.alg && jose_verify(key, hint, &p) && aud && sid && sub &&
             strlen(sid) < 32 &&
             strcmp(json_string_value(json_object_get(p.payload, "iss")) ?: "", iss) == 0 &&
             (!client_id || strcmp(client_id, aud) == 0);
    EVP_PKEY_free(key);
    oidc_client_t *c = ok ? calloc(1, sizeof(*c)) : NULL;
    ok = c && oidc_client_get(r->ctl->store, aud, c) == STORE_OK;
    if (ok && target && !oidc_uri_listed(c->post_logout_uris, target)) {
        free(c);
        jose_parsed_free(&p);
        idevent(r, "oidc.logout.refused", "denied", 400, NULL, NULL);
        return logout_page(r, 400, "This return address is not registered for the application.");
    }
    free(c);
    if (!ok) {
        jose_parsed_free(&p);
        idevent(r, "oidc.logout.refused", "denied", 400, NULL, NULL);
        return logout_page(r, 400, "The logout request is not valid.");
    }
    char sid_copy[32], user[128];
    snprintf(sid_copy, sizeof(sid_copy), "%s", sid);
    snprintf(user, sizeof(user), "%s", sub);
    jose_parsed_free(&p);
    idsess_t sess;
    if (idsess_get(r->ctl->store, sid_copy, &sess) == STORE_OK)
        idsession_revoke_sid(r->ctl, sid_copy, sess.expires / 1000, "oidc logout");
    oidc_sid_revoke(r->ctl->store, sid_copy);
    idevent(r, "logout", "success", target ? 302 : 200, user,
            json_pack("{s:s, s:s}", "sid", sid_copy, "via", "oidc"));
    if (!target)
        return logout_page(r, 200, "You are logged out.");
    char url[4096];
    const char *pairs[] = {"state", state, NULL};
    if (oidc_build_url(url, sizeof(url), target, pairs))
        return logout_page(r, 200, "You are logged out.");
    http_add_header(r, "Location", url);
    http_add_header(r, "Cache-Control", "no-store");
    return http_reply(r, 302, NULL, NULL, 0);
}
