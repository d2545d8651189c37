/*
 * api_oidc_authorize.c — the authorization endpoint (OpenID Connect Core
 * §3.1.2, RFC 6749 §4.1, RFC 7636) and the portal's half of it.
 *
 * GET /oidc/authorize checks the request. A client_id that is not
 * registered or a redirect_uri that is not exactly one of the client's
 * is answered with an error here and never redirected (no open
 * redirect); every other error goes back to the redirect URI as
 * error=...&state=.... A good request is kept (oidc_requests.h) and the
 * browser goes to the portal, /id/login?oidc=<id>: the portal session
 * cookie is SameSite=Strict on /api/v1/id, so only the portal page's own
 * calls carry it:
 *
 *   POST /api/v1/id/oidc/authorize {request}   with the portal session:
 *     200 {"status": "ok", "redirect"}            back to the client with a code
 *     200 {"status": "consent_required", "client", "scopes"}
 *     401 {"error": "login_required"}             log in, then call again
 *     200 {"status": "error", "redirect"}         prompt=none could not be met
 *   POST /api/v1/id/oidc/consent {request, approve}
 *     as authorize; approve false: back to the client with access_denied.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "api_id.h"
#include "api_oidc.h"
#include "idevent.h"
#include "oidc_form.h"
#include "oidc_requests.h"
#include "secret.h"
#include "store_idsess.h"
#include "store_oidc.h"
#include "timefmt.h"

int oidc_uri_listed(const char *list_json, const char *uri)
{
    json_t *list = json_loads(list_json, 0, NULL);
    size_t i;
    json_t *v;
    int found = 0;
    json_array_foreach(list, i, v)
    {
        const char *s = json_string_value(v);
        if (s && strcmp(s, uri) == 0)
            found = 1;
    }
    json_decref(list);
    return found;
}

/* uri?name=value&... into out (values percent-encoded); 0 or -1. */
int oidc_build_url(char *out, size_t cap, const char *uri, const char *const *pairs)
{
    int n = snprintf(out, cap, "%s", uri);
    char sep = strchr(uri, '?') ? '&' : '?';
    for (; n > 0 && (size_t)n < cap && pairs[0]; pairs += 2) {
        if (!pairs[1] || !pairs[1][0])
            continue;
        char enc[2048];
        if (!oidc_pct(pairs[1], enc, sizeof(enc)))
            return -1;
        n += snprintf(out + n, cap - (size_t)n, "%c%s=%s", sep, pairs[0], enc);
        sep = '&';
    }
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

static enum MHD_Result redirect_error(http_req_t *r, const char *uri, const char *error,
                                      const char *desc, const char *state)
{
    char iss[256], url[4096];
    oidc_issuer(r->cfg, iss, sizeof(iss));
    const char *pairs[] = {"error", error, "error_description", desc, "state", state, "iss",
                           iss,     NULL};
    if (oidc_build_url(url, sizeof(url), uri, pairs))
        return http_reply_error(r, 400, "invalid_request", "the redirect would be too long");
    http_add_header(r, "Location", url);
    http_add_header(r, "Cache-Control", "no-store");
    return http_reply(r, 302, NULL, NULL, 0);
}

/* 1 when every scope of the space-separated list is in allowed. */
static int scopes_within(const char *scopes, const char *allowed)
{
    for (const char *p = scopes; *p;) {
        size_t len = strcspn(p, " ");
        int found = 0;
        for (const char *a = allowed; *a && !found;) {
            size_t alen = strcspn(a, " ");
            found = alen == len && strncmp(a, p, len) == 0;
            a += alen + (a[alen] == ' ');
        }
        if (len && !found)
            return 0;
        p += len + (p[len] == ' ');
    }
    return 1;
}

static int has_scope(const char *scopes, const char *want)
{
    return scopes_within(want, scopes);
}

static int challenge_ok(const char *c)
{
    size_t len = strlen(c);
    return len >= 43 && len <= 128 &&
           strspn(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~") == len;
}

#define COPY_PARAM(field, name)                                                                    \
    do {                                                                                           \
        const char *v_ = http_query(r, (name));                                                    \
        if (v_ && strlen(v_) >= sizeof(field))                                                     \
            return redirect_error(r, redirect_uri, "invalid_request", name " is too long", state); \
        snprintf((field), sizeof(field), "%s", v_ ? v_ : "");                                      \
    } while (0)

enum MHD_Result api_oidc_authorize(http_req_t *r)
{
    const char *client_id = http_query(r, "client_id");
    const char *redirect_uri = http_query(r, "redirect_uri");
    oidc_client_t *client = calloc(1, sizeof(*client));
    if (!client)
        return http_reply_error(r, 500, "internal", "out of memory");
    int rc = client_id && strlen(client_id) < sizeof(client->client_id)
                 ? oidc_client_get(r->ctl->store, client_id, client)
                 : STORE_NOT_FOUND;
    if (rc != STORE_OK && rc != STORE_NOT_FOUND) {
        free(client);
        return api_store_error(r, rc);
    }
    if (rc == STORE_NOT_FOUND || !redirect_uri ||
        !oidc_uri_listed(client->redirect_uris, redirect_uri)) {
        free(client);
        idevent(r, "oidc.authorize.refused", "denied", 400, NULL,
                json_pack("{s:s?}", "client_id", client_id));
        return http_reply_error(r, 400, "invalid_request",
                                "unknown client_id or a redirect_uri not registered for it");
    }
    const char *state = http_query(r, "state");
    if (state && strlen(state) > 512)
        state = NULL;
    oidc_request_t q;
    memset(&q, 0, sizeof(q));
    snprintf(q.client_id, sizeof(q.client_id), "%s", client_id);
    snprintf(q.redirect_uri, sizeof(q.redirect_uri), "%s", redirect_uri);
    COPY_PARAM(q.state, "state");
    COPY_PARAM(q.scope, "scope");
    COPY_PARAM(q.nonce, "nonce");
    COPY_PARAM(q.challenge, "code_challenge");
    const char *response_type = http_query(r, "response_type");
    const char *method = http_query(r, "code_challenge_method");
    const char *prompt = http_query(r, "prompt");
    const char *max_age = http_query(r, "max_age");
    int public_client = !client->secret_hash[0];
    char allowed[sizeof(client->scopes)];
    snprintf(allowed, sizeof(allowed), "%s", client->scopes);
    free(client);
    if (!response_type || strcmp(response_type, "code") != 0)
        return redirect_error(r, redirect_uri, "unsupported_response_type",
                              "only the code flow is supported", state);
    if (http_query(r, "request") || http_query(r, "request_uri"))
        return redirect_error(r, redirect_uri, "request_not_supported",
                              "request objects are not supported", state);
    if (!has_scope(q.scope, "openid"))
        return redirect_error(r, redirect_uri, "invalid_scope", "scope must include openid", state);
    for (const char *p = q.scope; *p;) {
        size_t len = strcspn(p, " ");
        if (len && !oidc_scope_known(p, len))
            return redirect_error(r, redirect_uri, "invalid_scope", "unknown scope", state);
        p += len + (p[len] == ' ');
    }
    if (!scopes_within(q.scope, allowed))
        return redirect_error(r, redirect_uri, "invalid_scope", "a scope the client is not allowed",
                              state);
    if (q.challenge[0] && (!method || strcmp(method, "S256") != 0 || !challenge_ok(q.challenge)))
        return redirect_error(r, redirect_uri, "invalid_request",
                              "code_challenge: 43-128 characters with code_challenge_method S256",
                              state);
    if (!q.challenge[0] && (public_client || method))
        return redirect_error(r, redirect_uri, "invalid_request",
                              "PKCE (code_challenge, S256) is required for this client", state);
    for (const char *p = prompt ? prompt : ""; *p;) {
        size_t len = strcspn(p, " ");
        if (len == 4 && strncmp(p, "none", 4) == 0)
            q.prompt_none = 1;
        else if (len == 5 && strncmp(p, "login", 5) == 0)
            q.prompt_login = 1;
        else if (len == 7 && strncmp(p, "consent", 7) == 0)
            q.prompt_consent = 1;
        else if (len)
            return redirect_error(r, redirect_uri, "invalid_request",
                                  "prompt: none, login or consent", state);
        p += len + (p[len] == ' ');
    }
    if (q.prompt_none && (q.prompt_login || q.prompt_consent))
        return redirect_error(r, redirect_uri, "invalid_request", "prompt=none cannot be combined",
                              state);
    q.max_age = -1;
    if (max_age) {
        char *end = NULL;
        long long v = strtoll(max_age, &end, 10);
        if (!*max_age || *end || v < 0 || strlen(max_age) > 9)
            return redirect_error(r, redirect_uri, "invalid_request",
                                  "max_age: seconds, a non-negative integer", state);
        q.max_age = v;
    }
    if (oidc_request_put(&q))
        return http_reply_error(r, 500, "internal", "no randomness");
    char url[64];
    snprintf(url, sizeof(url), "/id/login?oidc=%s", q.id);
    http_add_header(r, "Location", url);
    http_add_header(r, "Cache-Control", "no-store");
    return http_reply(r, 302, NULL, NULL, 0);
}

/* ---- the portal's half ------------------------------------------------------- */

static json_t *amr_array(const char *amr)
{
    json_t *a = json_array();
    char copy[64];
    snprintf(copy, sizeof(copy), "%s", amr);
    for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save))
        json_array_append_new(a, json_string(tok));
    return a;
}

/* Expired codes and tokens leave the store, at most once a minute. */
static void prune_grants(store_t *s, int64_t now)
{
    static _Atomic int64_t last;
    int64_t seen = last;
    if (now - seen >= 60 && atomic_compare_exchange_strong(&last, &seen, now))
        oidc_grants_prune(s, now);
}

/* Answers the request q with a code for the session c. */
static enum MHD_Result issue_code(http_req_t *r, const oidc_request_t *q, const idclaims_t *c)
{
    unsigned char raw[32];
    char code[48], iss[256], url[4096];
    if (secret_random(raw, sizeof(raw)))
        return http_reply_error(r, 500, "internal", "no randomness");
    secret_base64url(raw, sizeof(raw), code);
    oidc_grant_t *g = calloc(1, sizeof(*g));
    if (!g)
        return http_reply_error(r, 500, "internal", "out of memory");
    oidc_secret_hash(code, g->hash);
    snprintf(g->client_id, sizeof(g->client_id), "%s", q->client_id);
    g->user_id = c->uid;
    snprintf(g->sid, sizeof(g->sid), "%s", c->sid);
    json_t *data = json_pack("{s:s, s:s, s:s, s:s, s:I, s:o}", "scope", q->scope, "nonce", q->nonce,
                             "redirect_uri", q->redirect_uri, "challenge", q->challenge,
                             "auth_time", (json_int_t)c->iat, "amr", amr_array(c->amr));
    char *text = json_dumps(data, JSON_COMPACT);
    json_decref(data);
    int fits = text && strlen(text) < sizeof(g->grant_data);
    if (fits)
        snprintf(g->grant_data, sizeof(g->grant_data), "%s", text);
    free(text);
    prune_grants(r->ctl->store, time_now_ms() / 1000);
    g->expires = time_now_ms() / 1000 + r->cfg->id.oidc_code_s;
    int rc = fits ? oidc_code_add(r->ctl->store, g) : STORE_ERROR;
    free(g);
    if (rc != STORE_OK)
        return api_store_error(r, rc);
    oidc_request_drop(q->id);
    oidc_issuer(r->cfg, iss, sizeof(iss));
    const char *pairs[] = {"code", code, "state", q->state, "iss", iss, NULL};
    int bad = oidc_build_url(url, sizeof(url), q->redirect_uri, pairs);
    secret_wipe(code, sizeof(code));
    if (bad)
        return http_reply_error(r, 400, "invalid_request", "the redirect would be too long");
    idevent(r, "oidc.code", "success", 200, c->sub, json_pack("{s:s}", "client_id", q->client_id));
    return http_reply_json(r, 200, json_pack("{s:s, s:s}", "status", "ok", "redirect", url));
}

static enum MHD_Result portal_error(http_req_t *r, const oidc_request_t *q, const char *error,
                                    const char *desc)
{
    char iss[256], url[4096];
    oidc_issuer(r->cfg, iss, sizeof(iss));
    const char *pairs[] = {"error", error, "error_description", desc, "state", q->state, "iss",
                           iss,     NULL};
    oidc_request_drop(q->id);
    if (oidc_build_url(url, sizeof(url), q->redirect_uri, pairs))
        return http_reply_error(r, 400, "invalid_request", "the redirect would be too long");
    return http_reply_json(
        r, 200, json_pack("{s:s, s:s, s:s}", "status", "error", "error", error, "redirect", url));
}

/* Reads {request} and the pending request; NULL body on failure (reply queued). */
static json_t *read_request(http_req_t *r, oidc_request_t *q, enum MHD_Result *rc)
{
    if (api_id_same_origin(r, rc))
        return NULL;
    json_t *body = http_json_body(r, rc);
    if (!body)
        return NULL;
    if (oidc_request_get(json_string_value(json_object_get(body, "request")), q)) {
        json_decref(body);
        *rc = http_reply_error(r, 400, "invalid_request",
                               "unknown or expired authorization request; start again");
        return NULL;
    }
    return body;
}

/* The scopes the user allowed the client before, with scope added
 * (a consent to a new scope keeps the earlier ones). */
static int granted_with(store_t *s, int64_t uid, const char *client_id, const char *scope,
                        char *out, size_t cap)
{
    int rc = oidc_consent_get(s, uid, client_id, out, cap);
    if (rc != STORE_OK)
        return rc;
    for (const char *p = scope; *p;) {
        size_t len = strcspn(p, " "), n = strlen(out);
        char one[64];
        snprintf(one, sizeof(one), "%.*s", (int)(len < sizeof(one) ? len : 0), p);
        if (one[0] && !has_scope(out, one)) {
            if (n + 1 + strlen(one) >= cap)
                return STORE_ERROR;
            snprintf(out + n, cap - n, "%s%s", n ? " " : "", one);
        }
        p += len + (p[len] == ' ');
    }
    return STORE_OK;
}

static enum MHD_Result continue_request(http_req_t *r, const oidc_request_t *q, int approve)
{
    enum MHD_Result rc;
    idclaims_t c;
    dir_user_t u;
    if (!http_cookie(r, PORTAL_COOKIE)) {
        if (q->prompt_none)
            return portal_error(r, q, "login_required", "no session");
        return http_reply_error(r, 401, "login_required", "log in, then call again");
    }
    if (api_id_caller(r, 1, &c, &u, &rc))
        return rc;
    int64_t now = time_now_ms() / 1000;
    int stale =
        (q->prompt_login && c.iat < q->created_s) || (q->max_age >= 0 && now - c.iat > q->max_age);
    if (stale) {
        if (q->prompt_none)
            return portal_error(r, q, "login_required", "a fresh login is required");
        return http_reply_error(r, 401, "login_required", "log in again, then call again");
    }
    oidc_client_t *client = calloc(1, sizeof(*client));
    int src = client ? oidc_client_get(r->ctl->store, q->client_id, client) : STORE_ERROR;
    if (src != STORE_OK) {
        free(client);
        return src == STORE_NOT_FOUND ? portal_error(r, q, "unauthorized_client", "client removed")
                                      : api_store_error(r, src);
    }
    int first_party = client->first_party;
    char name[sizeof(client->name)];
    snprintf(name, sizeof(name), "%s", client->name);
    free(client);
    if (approve == 0) {
        idevent(r, "oidc.consent.denied", "denied", 200, u.name,
                json_pack("{s:s}", "client_id", q->client_id));
        return portal_error(r, q, "access_denied", "the user did not allow it");
    }
    if (approve == 1) {
        char merged[256];
        src = granted_with(r->ctl->store, u.id, q->client_id, q->scope, merged, sizeof(merged));
        if (src == STORE_OK)
            src = oidc_consent_put(r->ctl->store, u.id, q->client_id, merged, now);
        if (src != STORE_OK)
            return api_store_error(r, src);
        idevent(r, "oidc.consent", "success", 200, u.name,
                json_pack("{s:s, s:s}", "client_id", q->client_id, "scope", q->scope));
    } else if (!first_party || q->prompt_consent) { /* prompt=consent asks even a first party */
        char granted[256];
        src = oidc_consent_get(r->ctl->store, u.id, q->client_id, granted, sizeof(granted));
        if (src != STORE_OK)
            return api_store_error(r, src);
        if (q->prompt_consent || !granted[0] || !scopes_within(q->scope, granted)) {
            if (q->prompt_none)
                return portal_error(r, q, "consent_required", "consent is required");
            json_t *scopes = json_array();
            char copy[256];
            snprintf(copy, sizeof(copy), "%s", q->scope);
            for (char *save = NULL, *tok = strtok_r(copy, " ", &save); tok;
                 tok = strtok_r(NULL, " ", &save))
                json_array_append_new(scopes, json_string(tok));
            return http_reply_json(r, 200,
                                   json_pack("{s:s, s:{s:s, s:s}, s:o}", "status",
                                             "consent_required", "client", "client_id",
                                             q->client_id, "name", name, "scopes", scopes));
        }
    }
    return issue_code(r, q, &c);
}

enum MHD_Result api_oidc_portal_authorize(http_req_t *r)
{
    enum MHD_Result rc;
    oidc_request_t q;
    json_t *body = read_request(r, &q, &rc);
    if (!body)
        return rc;
    json_decref(body);
    return continue_request(r, &q, -1);
}

enum MHD_Result api_oidc_portal_consent(http_req_t *r)
{
    enum MHD_Result rc;
    oidc_request_t q;
    json_t *body = read_request(r, &q, &rc);
    if (!body)
        return rc;
    json_t *approve = json_object_get(body, "approve");
    int ok = json_is_boolean(approve);
    int value = json_is_true(approve);
    json_decref(body);
    if (!ok)
        return http_reply_error(r, 400, "bad_request", "approve: true or false");
    return continue_request(r, &q, value);
}
