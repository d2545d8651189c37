/*
 * api_oidc_token.c — the token endpoint (RFC 6749 §3.2, §4.1.3, §6;
 * OpenID Connect Core §3.1.3; RFC 7636 §4.6).
 *
 * POST /oidc/token, application/x-www-form-urlencoded, client
 * authentication client_secret_basic or client_secret_post (public
 * clients: client_id only, and PKCE). Grants:
 *   authorization_code  a code is single-use: presenting it again revokes
 *                       every token issued from it (RFC 6749 §4.1.2);
 *   refresh_token       rotated on every use; presenting a used refresh
 *                       token again revokes its whole family (reuse
 *                       detection, OAuth 2.0 Security BCP §4.14.2).
 * Access and refresh tokens are opaque random strings (256 bits), kept as
 * SHA-256; they die with the portal session they came from (logout,
 * revocation) — checked on every use. Errors: RFC 6749 §5.2.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "api.h"
#include "api_oidc.h"
#include "idevent.h"
#include "idsession.h"
#include "jose.h"
#include "oidc_form.h"
#include "oidc_keys.h"
#include "secret.h"
#include "store_dir.h"
#include "store_idsess.h"
#include "store_oidc.h"
#include "timefmt.h"

static enum MHD_Result token_error(http_req_t *r, unsigned status, const char *error,
                                   const char *desc)
{
    http_add_header(r, "Cache-Control", "no-store");
    if (status == 401)
        http_add_header(r, "WWW-Authenticate", "Basic realm=\"rampart\"");
    return http_reply_json(r, status,
                           json_pack("{s:s, s:s}", "error", error, "error_description", desc));
}

/* Decodes standard base64 (RFC 4648 §4, padded) into out as a string;
 * the length or -1. */
static int b64_std_decode(const char *in, char *out, size_t cap)
{
    size_t len = strlen(in);
    if (len == 0 || len % 4 || len / 4 * 3 >= cap)
        return -1;
    int n = EVP_DecodeBlock((unsigned char *)out, (const unsigned char *)in, (int)len);
    if (n < 0)
        return -1;
    n -= (in[len - 1] == '=') + (in[len - 2] == '='); /* EVP_DecodeBlock counts padding */
    out[n] = '\0';
    return memchr(out, '\0', (size_t)n) ? -1 : n;
}

/* The authenticated client into c; 0, or -1 with the error queued. */
static int authenticate_client(http_req_t *r, const oidc_form_t *f, oidc_client_t *c,
                               enum MHD_Result *rc)
{
    const char *auth = http_header(r, "Authorization");
    const char *id = oidc_form_get(f, "client_id"), *secret = oidc_form_get(f, "client_secret");
    char basic[512], *sep = NULL;
    oidc_form_t creds;
    memset(&creds, 0, sizeof(creds));
    int used_basic = 0;
    if (auth && strncasecmp(auth, "Basic ", 6) == 0) {
        /* RFC 6749 §2.3.1: both parts form-encoded, then base64 */
        if (secret || b64_std_decode(auth + 6, basic, sizeof(basic)) < 0 ||
            !(sep = strchr(basic, ':'))) {
            *rc = token_error(r, 401, "invalid_client", "malformed Basic credentials");
            return -1;
        }
        char pair[600];
        snprintf(pair, sizeof(pair), "i=%.*s&s=%s", (int)(sep - basic), basic, sep + 1);
        if (oidc_form_parse(pair, strlen(pair), &creds) ||
            (id && (!oidc_form_get(&creds, "i") || strcmp(id, oidc_form_get(&creds, "i"))))) {
            oidc_form_free(&creds);
            secret_wipe(basic, sizeof(basic));
            secret_wipe(pair, sizeof(pair));
            *rc = token_error(r, 401, "invalid_client", "malformed Basic credentials");
            return -1;
        }
        secret_wipe(pair, sizeof(pair));
        id = oidc_form_get(&creds, "i");
        secret = oidc_form_get(&creds, "s");
        used_basic = 1;
    }
    int ok = id && strlen(id) < sizeof(c->client_id) &&
             oidc_client_get(r->ctl->store, id, c) == STORE_OK;
    if (ok && c->secret_hash[0]) {
        char hash[48];
        oidc_secret_hash(secret ? secret : "", hash);
        ok = secret && secret_equal(hash, c->secret_hash, strlen(c->secret_hash)) &&
             strlen(hash) == strlen(c->secret_hash);
    } else if (ok && secret) {
        ok = 0; /* a public client has no secret to send */
    }
    if (used_basic) {
        oidc_form_free(&creds);
        secret_wipe(basic, sizeof(basic));
    }
    if (!ok) {
        idevent(r, "oidc.client_auth.failure", "denied", 401, NULL,
                json_pack("{s:s?}", "client_id", c->client_id[0] ? c->client_id : NULL));
        *rc = token_error(r, 401, "invalid_client", "client authentication failed");
        return -1;
    }
    return 0;
}

static int new_token(char out[48], char hash[48])
{
    unsigned char raw[32];
    if (secret_random(raw, sizeof(raw)))
        return -1;
    secret_base64url(raw, sizeof(raw), out);
    oidc_secret_hash(out, hash);
    return 0;
}

/* 1 when the grant's portal session is alive and not revoked and the user active. */
static int session_alive(http_req_t *r, const oidc_grant_t *g, int64_t auth_time, dir_user_t *u)
{
    idsess_t sess;
    int64_t before = 0;
    return idsess_get(r->ctl->store, g->sid, &sess) == STORE_OK &&
           dir_user_get_id(r->ctl->store, g->user_id, u) == STORE_OK &&
           strcmp(u->state, "active") == 0 &&
           idrev_user_before(r->ctl->store, g->user_id, &before) == STORE_OK && auth_time >= before;
}

static char *id_token(http_req_t *r, const oidc_client_t *c, const dir_user_t *u,
                      const oidc_grant_t *g, json_t *data, const char *access)
{
    int alg = jose_alg_parse(c->alg);
    char kid[24], iss[256], at_hash[44];
    if (alg < 0 || oidc_keys_refresh(r->ctl, 0) != STORE_OK)
        return NULL;
    EVP_PKEY *key = oidc_keys_signer((jose_alg_t)alg, kid);
    if (!key || jose_half_hash((jose_alg_t)alg, access, at_hash)) {
        EVP_PKEY_free(key);
        return NULL;
    }
    oidc_issuer(r->cfg, iss, sizeof(iss));
    int64_t now = time_now_ms() / 1000;
    json_t *amr = json_object_get(data, "amr");
    int mfa = 0;
    size_t i;
    json_t *v;
    json_array_foreach(amr, i, v) mfa |= strcmp(json_string_value(v), "mfa") == 0;
    json_t *claims = json_pack(
        "{s:s, s:s, s:s, s:I, s:I, s:I, s:o, s:s, s:s, s:s}", "iss", iss, "sub", u->name, "aud",
        c->client_id, "exp", (json_int_t)(now + r->cfg->id.oidc_id_token_s), "iat", (json_int_t)now,
        "auth_time", json_integer_value(json_object_get(data, "auth_time")), "amr",
        amr ? json_incref(amr) : json_array(), "acr",
        mfa ? "urn:rampart:acr:mfa" : "urn:rampart:acr:pwd", "sid", g->sid, "at_hash", at_hash);
    const char *nonce = json_string_value(json_object_get(data, "nonce"));
    if (claims && nonce && nonce[0])
        json_object_set_new(claims, "nonce", json_string(nonce));
    char *jws = claims ? jose_sign(key, (jose_alg_t)alg, kid, claims) : NULL;
    json_decref(claims);
    EVP_PKEY_free(key);
    return jws;
}

/* Issues access, refresh and ID tokens for grant g (family: the code's hash). */
static enum MHD_Result issue(http_req_t *r, const oidc_client_t *c, const dir_user_t *u,
                             const oidc_grant_t *g, const char *family, json_t *data)
{
    char access[48], refresh[48];
    oidc_grant_t *t = calloc(1, sizeof(*t));
    if (!t || new_token(access, t->hash)) {
        free(t);
        return token_error(r, 500, "server_error", "no randomness");
    }
    int64_t now = time_now_ms() / 1000;
    snprintf(t->kind, sizeof(t->kind), "access");
    snprintf(t->client_id, sizeof(t->client_id), "%s", c->client_id);
    t->user_id = g->user_id;
    snprintf(t->sid, sizeof(t->sid), "%s", g->sid);
    snprintf(t->family, sizeof(t->family), "%s", family);
    char *text = json_dumps(data, JSON_COMPACT);
    snprintf(t->grant_data, sizeof(t->grant_data), "%s", text ? text : "{}");
    free(text);
    t->expires = now + r->cfg->id.oidc_access_s;
    int rc = oidc_token_add(r->ctl->store, t);
    if (rc == STORE_OK && !new_token(refresh, t->hash)) {
        snprintf(t->kind, sizeof(t->kind), "refresh");
        t->expires = now + r->cfg->id.session_absolute_s; /* no longer than a portal session */
        rc = oidc_token_add(r->ctl->store, t);
    } else if (rc == STORE_OK) {
        rc = STORE_ERROR;
    }
    free(t);
    char *idt = rc == STORE_OK ? id_token(r, c, u, g, data, access) : NULL;
    if (!idt) {
        secret_wipe(access, sizeof(access));
        return token_error(r, 500, "server_error", "cannot issue tokens; see the rampartd log");
    }
    http_add_header(r, "Cache-Control", "no-store");
    http_add_header(r, "Pragma", "no-cache");
    json_t *o = json_pack("{s:s, s:s, s:i, s:s, s:s, s:O}", "access_token", access, "token_type",
                          "Bearer", "expires_in", r->cfg->id.oidc_access_s, "refresh_token",
                          refresh, "id_token", idt, "scope", json_object_get(data, "scope"));
    free(idt);
    secret_wipe(access, sizeof(access));
    secret_wipe(refresh, sizeof(refresh));
    idevent(r, "oidc.token", "success", 200, u->name,
            json_pack("{s:s}", "client_id", c->client_id));
    return http_reply_json(r, 200, o);
}

static int pkce_ok(const char *challenge, const char *verifier)
{
    if (!challenge[0])
        return verifier == NULL;
    size_t len = verifier ? strlen(verifier) : 0;
    if (len < 43 || len > 128 ||
        strspn(verifier, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~") !=
            len)
        return 0;
    unsigned char md[SECRET_SHA256_LEN];
    char want[48];
    secret_sha256(verifier, len, md);
    secret_base64url(md, sizeof(md), want);
    return strlen(want) == strlen(challenge) && secret_equal(want, challenge, strlen(want));
}

static enum MHD_Result code_grant(http_req_t *r, const oidc_form_t *f, const oidc_client_t *c)
{
    const char *code = oidc_form_get(f, "code");
    const char *redirect_uri = oidc_form_get(f, "redirect_uri");
    if (!code || !redirect_uri)
        return token_error(r, 400, "invalid_request", "code and redirect_uri are required");
    oidc_grant_t *g = calloc(1, sizeof(*g));
    if (!g)
        return token_error(r, 500, "server_error", "out of memory");
    char hash[48];
    oidc_secret_hash(code, hash);
    int rc = oidc_code_take(r->ctl->store, hash, g);
    enum MHD_Result res;
    json_t *data = rc == STORE_OK ? json_loads(g->grant_data, 0, NULL) : NULL;
    dir_user_t u;
    if (rc == STORE_CONFLICT) {
        oidc_family_revoke(r->ctl->store, hash); /* RFC 6749 §4.1.2: revoke what it gave */
        idevent(r, "oidc.code.reuse", "denied", 400, NULL,
                json_pack("{s:s}", "client_id", c->client_id));
        res = token_error(r, 400, "invalid_grant", "the code was already used");
    } else if (rc != STORE_OK && rc != STORE_NOT_FOUND) {
        res = token_error(r, 500, "server_error", "store unavailable");
    } else if (rc == STORE_NOT_FOUND || !data || strcmp(g->client_id, c->client_id) != 0 ||
               g->expires < time_now_ms() / 1000) {
        res = token_error(r, 400, "invalid_grant", "unknown, expired or another client's code");
    } else if (strcmp(redirect_uri,
                      json_string_value(json_object_get(data, "redirect_uri")) ?: "") != 0) {
        res = token_error(r, 400, "invalid_grant", "redirect_uri differs from the request's");
    } else if (!pkce_ok(json_string_value(json_object_get(data, "challenge")) ?: "",
                        oidc_form_get(f, "code_verifier"))) {
        res = token_error(r, 400, "invalid_grant", "code_verifier does not match");
    } else if (!session_alive(r, g, json_integer_value(json_object_get(data, "auth_time")), &u)) {
        res = token_error(r, 400, "invalid_grant", "the login session has ended");
    } else {
        res = issue(r, c, &u, g, hash, data);
    }
    json_decref(data);
    free(g);
    return res;
}

static enum MHD_Result refresh_grant(http_req_t *r, const oidc_form_t *f, const oidc_client_t *c)
{
    const char *token = oidc_form_get(f, "refresh_token");
    if (!token)
        return token_error(r, 400, "invalid_request", "refresh_token is required");
    oidc_grant_t *g = calloc(1, sizeof(*g));
    if (!g)
        return token_error(r, 500, "server_error", "out of memory");
    char hash[48];
    oidc_secret_hash(token, hash);
    int rc = oidc_token_get(r->ctl->store, hash, g);
    enum MHD_Result res;
    json_t *data = rc == STORE_OK ? json_loads(g->grant_data, 0, NULL) : NULL;
    dir_user_t u;
    const char *scope = oidc_form_get(f, "scope");
    if (rc != STORE_OK && rc != STORE_NOT_FOUND) {
        res = token_error(r, 500, "server_error", "store unavailable");
    } else if (rc == STORE_NOT_FOUND || !data || strcmp(g->kind, "refresh") != 0 ||
               strcmp(g->client_id, c->client_id) != 0 || g->revoked ||
               g->expires < time_now_ms() / 1000) {
        res = token_error(r, 400, "invalid_grant", "unknown, expired or revoked refresh token");
    } else if ((rc = oidc_token_use(r->ctl->store, hash)) == STORE_CONFLICT) {
        oidc_family_revoke(r->ctl->store, g->family);
        idevent(r, "oidc.refresh.reuse", "denied", 400, NULL,
                json_pack("{s:s}", "client_id", c->client_id));
        res = token_error(r, 400, "invalid_grant", "refresh token reused: its family is revoked");
    } else if (rc != STORE_OK) {
        res = token_error(r, 500, "server_error", "store unavailable");
    } else if (scope && strcmp(scope, json_string_value(json_object_get(data, "scope")) ?: "")) {
        res = token_error(r, 400, "invalid_scope", "scope must be the granted one");
    } else if (!session_alive(r, g, json_integer_value(json_object_get(data, "auth_time")), &u)) {
        res = token_error(r, 400, "invalid_grant", "the login session has ended");
    } else {
        json_object_del(data, "nonce"); /* Core §12.2: no nonce on refresh */
        res = issue(r, c, &u, g, g->family, data);
    }
    json_decref(data);
    free(g);
    return res;
}

enum MHD_Result api_oidc_token(http_req_t *r)
{
    const char *type = http_header(r, "Content-Type");
    if (!type || strncasecmp(type, "application/x-www-form-urlencoded", 33) != 0)
        return token_error(r, 400, "invalid_request",
                           "the body must be application/x-www-form-urlencoded");
    oidc_form_t f;
    if (oidc_form_parse(r->body.data ? r->body.data : "", r->body.len, &f))
        return token_error(r, 400, "invalid_request", "malformed or repeated parameters");
    enum MHD_Result res;
    oidc_client_t *c = calloc(1, sizeof(*c));
    const char *grant = oidc_form_get(&f, "grant_type");
    if (!c)
        res = token_error(r, 500, "server_error", "out of memory");
    else if (authenticate_client(r, &f, c, &res))
        ;
    else if (grant && strcmp(grant, "authorization_code") == 0)
        res = code_grant(r, &f, c);
    else if (grant && strcmp(grant, "refresh_token") == 0)
        res = refresh_grant(r, &f, c);
    else
        res = token_error(r, 400, "unsupported_grant_type",
                          "grant_type: authorization_code or refresh_token");
    free(c);
    if (r->body.data)
        secret_wipe(r->body.data, r->body.len); /* secrets and codes */
    oidc_form_free(&f);
    return res;
}
