/*
 * api_id_webauthn.c — WebAuthn in the login portal (docs/IDENTITY.md,
 * "WebAuthn endpoints"): registering a security key or passkey from the
 * portal session, using one as the second factor after the password or
 * alone (a passkey login with user verification), and the user's list of
 * them. The ceremonies' challenges live in idceremony.c (single use, five
 * minutes, bound to the session or login step); the checks are the
 * library's (webauthn_*.c); credentials are in the store (store_webauthn.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "api_id.h"
#include "api_id_webauthn.h"
#include "base64url.h"
#include "idceremony.h"
#include "idevent.h"
#include "idsession.h"
#include "secret.h"
#include "store_webauthn.h"
#include "timefmt.h"
#include "webauthn_assertion.h"
#include "webauthn_register.h"

#define MAX_ORIGINS 8

/* The relying party: RP ID and origins from rampartd.conf. */
typedef struct {
    char rp_id[254];
    char buf[1024];
    const char *origins[MAX_ORIGINS];
    size_t n;
} rp_t;

static void rp_of(const http_req_t *r, rp_t *rp)
{
    snprintf(rp->rp_id, sizeof(rp->rp_id), "%s", r->cfg->webauthn_rp_id);
    if (r->cfg->webauthn_origins[0])
        snprintf(rp->buf, sizeof(rp->buf), "%s", r->cfg->webauthn_origins);
    else
        snprintf(rp->buf, sizeof(rp->buf), "http://%s:%u", rp->rp_id, r->cfg->listen_port);
    rp->n = 0;
    for (char *rest = rp->buf, *o; rp->n < MAX_ORIGINS && (o = strtok_r(rest, ",", &rest));)
        rp->origins[rp->n++] = o;
}

static void ceremony_of(const rp_t *rp, const idceremony_t *c, int require_uv,
                        webauthn_ceremony_t *out)
{
    *out = (webauthn_ceremony_t){.rp_id = rp->rp_id,
                                 .origins = rp->origins,
                                 .n_origins = rp->n,
                                 .challenge = c->challenge,
                                 .challenge_len = sizeof(c->challenge),
                                 .require_user_verification = require_uv};
}

static json_t *cred_json(const wa_cred_t *c)
{
    char created[TIME_RFC3339_MAX], used[TIME_RFC3339_MAX] = "";
    time_format_rfc3339(c->created, created);
    if (c->last_used)
        time_format_rfc3339(c->last_used, used);
    return json_pack("{s:I, s:s, s:s, s:s, s:I, s:s, s:s, s:s?}", "id", (json_int_t)c->id, "name",
                     c->name, "alg", c->alg == -257 ? "RS256" : "ES256", "transports",
                     c->transports, "sign_count", (json_int_t)c->sign_count, "aaguid", c->aaguid,
                     "created", created, "last_used", c->last_used ? used : NULL);
}

/* ---- the user's credentials ---------------------------------------------- */

typedef struct {
    webauthn_credential_ref_t refs[32];
    unsigned char ids[32][WEBAUTHN_CREDENTIAL_ID_MAX];
    size_t n;
    unsigned char handle[WEBAUTHN_USER_HANDLE_MAX];
    long handle_len;
    json_t *list;
} creds_t;

static int collect(void *ctx, const wa_cred_t *c)
{
    creds_t *k = ctx;
    if (k->list)
        json_array_append_new(k->list, cred_json(c));
    if (k->handle_len <= 0)
        k->handle_len =
            base64url_decode(c->user_handle, strlen(c->user_handle), k->handle, sizeof(k->handle));
    if (k->n < 32) {
        long n = base64url_decode(c->credential_id, strlen(c->credential_id), k->ids[k->n],
                                  sizeof(k->ids[k->n]));
        if (n > 0) {
            k->refs[k->n] = (webauthn_credential_ref_t){k->ids[k->n], (size_t)n};
            k->n++;
        }
    }
    return 0;
}

int api_id_webauthn_count(store_t *s, int64_t uid)
{
    creds_t *k = calloc(1, sizeof(*k));
    if (!k)
        return 0;
    int n = wa_cred_list(s, uid, collect, k) == STORE_OK ? (int)k->n : 0;
    free(k);
    return n;
}

enum MHD_Result api_id_webauthn_list(http_req_t *r)
{
    enum MHD_Result rc;
    idclaims_t c;
    dir_user_t u;
    if (api_id_caller(r, 0, &c, &u, &rc))
        return rc;
    creds_t *k = calloc(1, sizeof(*k));
    if (!k)
        return http_reply_error(r, 500, "internal", "out of memory");
    k->list = json_array();
    int st = wa_cred_list(r->ctl->store, u.id, collect, k);
    json_t *list = k->list;
    free(k);
    if (st != STORE_OK) {
        json_decref(list);
        return api_store_error(r, st);
    }
    return http_reply_json(r, 200, json_pack("{s:o}", "credentials", list));
}

static int64_t arg_id(const http_req_t *r)
{
    char *end;
    long long id = strtoll(r->arg, &end, 10);
    return *end || id <= 0 ? 0 : id;
}

static int name_ok(const char *name)
{
    if (!name || !*name || strlen(name) > WA_NAME_MAX)
        return 0;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return 0;
    return 1;
}

enum MHD_Result api_id_webauthn_rename(http_req_t *r)
{
    enum MHD_Result rc;
    idclaims_t c;
    dir_user_t u;
    if (api_id_caller(r, 1, &c, &u, &rc))
        return rc;
    json_t *body = http_json_body(r, &rc);
    if (!body)
        return rc;
    char name[WA_NAME_MAX + 1] = "";
    const char *in = json_string_value(json_object_get(body, "name"));
    int ok = name_ok(in);
    if (ok)
        snprintf(name, sizeof(name), "%s", in);
    json_decref(body);
    if (!ok || !arg_id(r))
        return http_reply_error(r, 400, "bad_request",
                                "name: 1 to 64 bytes, no control characters");
    int st = wa_cred_rename(r->ctl->store, u.id, arg_id(r), name);
    if (st == STORE_NOT_FOUND) /* none, or another user's */
        return http_reply_error(r, 404, "not_found", "no such credential of yours");
    if (st != STORE_OK)
        return api_store_error(r, st);
    idevent(r, "mfa.rename", "success", 200, u.name,
            json_pack("{s:s, s:I}", "method", "webauthn", "id", (json_int_t)arg_id(r)));
    return http_reply_json(r, 200, json_pack("{s:s}", "name", name));
}

enum MHD_Result api_id_webauthn_delete(http_req_t *r)
{
    enum MHD_Result rc;
    idclaims_t c;
    dir_user_t u;
    if (api_id_caller(r, 1, &c, &u, &rc))
        return rc;
    int st = arg_id(r) ? wa_cred_delete(r->ctl->store, u.id, arg_id(r)) : STORE_NOT_FOUND;
    if (st == STORE_NOT_FOUND)
        return http_reply_error(r, 404, "not_found", "no such credential of yours");
    if (st != STORE_OK)
        return api_store_error(r, st);
    idevent(r, "mfa.disable", "success", 204, u.name,
            json_pack("{s:s, s:I}", "method", "webauthn", "id", (json_int_t)arg_id(r)));
    return http_reply(r, 204, NULL, NULL, 0);
}

/* ---- registration ---------------------------------------------------------- */

enum MHD_Result api_id_webauthn_register_begin(http_req_t *r)
{
    enum MHD_Result rc;
    idclaims_t c;
    dir_user_t u;
    if (api_id_caller(r, 1, &c, &u, &rc))
        return rc;
    json_t *body = http_json_body(r, &rc);
    if (!body)
        return rc;
    idceremony_t cer = {.kind = IDCEREMONY_REGISTER,
                        .uid = u.id,
                        .expires_ms = time_now_ms() + IDCEREMONY_TTL_S * 1000LL};
    const char *name = json_string_value(json_object_get(body, "name"));
    int named = !name || name_ok(name);
    snprintf(cer.name, sizeof(cer.name), "%s", name && named ? name : "");
    json_decref(body);
    if (!named)
        return http_reply_error(r, 400, "bad_request",
                                "name: 1 to 64 bytes, no control characters");
    snprintf(cer.bound, sizeof(cer.bound), "%s", c.sid);
    creds_t *k = calloc(1, sizeof(*k));
    if (!k)
        return http_reply_error(r, 500, "internal", "out of memory");
    int st = wa_cred_list(r->ctl->store, u.id, collect, k);
    /* one opaque handle per user (never the name): the first key's, or new */
    if (k->handle_len == (long)sizeof(cer.user_handle))
        memcpy(cer.user_handle, k->handle, sizeof(cer.user_handle));
    else if (secret_random(cer.user_handle, sizeof(cer.user_handle)))
        st = STORE_ERROR;
    rp_t rp;
    rp_of(r, &rp);
    json_t *options = NULL;
    char handle[IDCEREMONY_HANDLE_LEN + 1];
    if (st == STORE_OK && !webauthn_challenge(cer.challenge)) {
        webauthn_creation_request_t req = {.rp_id = rp.rp_id,
                                           .rp_name = "Rampart",
                                           .user_handle = cer.user_handle,
                                           .user_handle_len = sizeof(cer.user_handle),
                                           .user_name = u.name,
                                           .user_display_name =
                                               u.display_name[0] ? u.display_name : u.name,
                                           .challenge = cer.challenge,
                                           .challenge_len = sizeof(cer.challenge),
                                           .exclude = k->refs,
                                           .n_exclude = k->n,
                                           .resident_key = "preferred"};
        options = webauthn_creation_options(&req);
    }
    free(k);
    if (st != STORE_OK)
        return api_store_error(r, st);
    if (!options || idceremony_put(r->ctl->identity->webauthn, &cer, handle)) {
        json_decref(options);
        return http_reply_error(r, 503, "busy", "cannot start a registration now; try again");
    }
    idevent(r, "mfa.enrol.start", "success", 200, u.name, json_pack("{s:s}", "method", "webauthn"));
    return http_reply_json(r, 200,
                           json_pack("{s:s, s:o}", "ceremony", handle, "publicKey", options));
}

/* The credential member of the body, as the JSON text the library parses. */
static char *credential_text(json_t *body)
{
    json_t *cred = json_object_get(body, "credential");
    return json_is_object(cred) ? json_dumps(cred, JSON_COMPACT) : NULL;
}

static void transports_of(json_t *body, char *out, size_t size)
{
    json_t *list = json_object_get(json_object_get(json_object_get(body, "credential"), "response"),
                                   "transports");
    size_t i, used = 0;
    json_t *t;
    out[0] = '\0';
    json_array_foreach(list, i, t)
    {
        const char *s = json_string_value(t);
        if (!s || strspn(s, "abcdefghijklmnopqrstuvwxyz-") != strlen(s) ||
            used + strlen(s) + 2 > size)
            continue;
        used += (size_t)snprintf(out + used, size - used, "%s%s", used ? "," : "", s);
    }
}

enum MHD_Result api_id_webauthn_register_finish(http_req_t *r)
{
    enum MHD_Result rc;
    idclaims_t c;
    dir_user_t u;
    if (api_id_caller(r, 1, &c, &u, &rc))
        return rc;
    json_t *body = http_json_body(r, &rc);
    if (!body)
        return rc;
    idceremony_t cer;
    const char *handle = json_string_value(json_object_get(body, "ceremony"));
    if (idceremony_take(r->ctl->identity->webauthn, handle, &cer) ||
        cer.kind != IDCEREMONY_REGISTER || cer.uid != u.id || strcmp(cer.bound, c.sid) != 0) {
        json_decref(body);
        idevent(r, "mfa.failure", "denied", 400, u.name,
                json_pack("{s:s, s:s}", "method", "webauthn", "reason", "ceremony"));
        return http_reply_error(r, 400, "invalid_ceremony", "start the registration again");
    }
    wa_cred_t row = {.user_id = u.id, .created = time_now_ms()};
    const char *name = json_string_value(json_object_get(body, "name"));
    snprintf(row.name, sizeof(row.name), "%s",
             name_ok(name) ? name
             : cer.name[0] ? cer.name
                           : "security key");
    transports_of(body, row.transports, sizeof(row.transports));
    char *text = credential_text(body);
    json_decref(body);
    rp_t rp;
    rp_of(r, &rp);
    webauthn_registration_policy_t policy = {0};
    ceremony_of(&rp, &cer, 0, &policy.ceremony);
    webauthn_response_t resp;
    webauthn_credential_t cred;
    char err[160] = "not a credential";
    memset(&cred, 0, sizeof(cred));
    webauthn_result_t res = WEBAUTHN_ERR_MALFORMED;
    if (text && (res = webauthn_response_parse(text, strlen(text), WEBAUTHN_REGISTRATION, &resp,
                                               err, sizeof(err))) == WEBAUTHN_OK) {
        res = webauthn_registration_verify(&policy, &resp, &cred, err, sizeof(err));
        webauthn_response_clear(&resp);
    }
    free(text);
    if (res != WEBAUTHN_OK) {
        idevent(r, "mfa.failure", "denied", 400, u.name,
                json_pack("{s:s, s:s, s:s}", "method", "webauthn", "reason",
                          webauthn_result_name(res), "detail", err));
        webauthn_credential_clear(&cred);
        return http_reply_error(r, 400, "webauthn_refused", err);
    }
    secret_base64url(cred.credential_id, cred.credential_id_len, row.credential_id);
    secret_base64url(cer.user_handle, sizeof(cer.user_handle), row.user_handle);
    int fits = cred.public_key_len <= WA_PUBKEY_B64_MAX / 4 * 3;
    if (fits)
        secret_base64url(cred.public_key, cred.public_key_len, row.public_key);
    row.alg = cred.algorithm;
    row.sign_count = cred.sign_count;
    for (int i = 0; i < WEBAUTHN_AAGUID_LEN; i++)
        snprintf(row.aaguid + 2 * i, 3, "%02x", cred.aaguid[i]);
    webauthn_credential_clear(&cred);
    int st = fits ? wa_cred_add(r->ctl->store, &row) : STORE_ERROR;
    if (st == STORE_CONFLICT) {
        /* §7.1 step 22: an id already registered (to anyone) is refused */
        idevent(r, "mfa.failure", "denied", 409, u.name,
                json_pack("{s:s, s:s}", "method", "webauthn", "reason", "credential_exists"));
        return http_reply_error(r, 409, "credential_exists", "this key is registered already");
    }
    if (st != STORE_OK)
        return api_store_error(r, st);
    idevent(r, "mfa.enrol", "success", 201, u.name,
            json_pack("{s:s, s:s, s:I}", "method", "webauthn", "name", row.name, "id",
                      (json_int_t)row.id));
    return http_reply_json(r, 201, json_pack("{s:o}", "credential", cred_json(&row)));
}

/* ---- authentication ------------------------------------------------------------ */

/* A login call's body: same origin (no login CSRF) and the address not
 * throttled, checked before anything else; NULL with the reply queued. */
static json_t *before_login(http_req_t *r, enum MHD_Result *rc)
{
    if (api_id_same_origin(r, rc))
        return NULL;
    json_t *body = http_json_body(r, rc);
    if (!body)
        return NULL;
    int retry = idlogin_step_throttled(r, r->ctl->identity->login);
    if (retry > 0) {
        json_decref(body);
        *rc = api_id_throttled(r, NULL, retry, "throttled");
        return NULL;
    }
    return body;
}

enum MHD_Result api_id_webauthn_login_begin(http_req_t *r)
{
    enum MHD_Result rc;
    json_t *body = before_login(r, &rc);
    if (!body)
        return rc;
    idservice_t *svc = r->ctl->identity;
    idceremony_t cer = {.expires_ms = time_now_ms() + IDCEREMONY_TTL_S * 1000LL};
    const char *step_token = json_string_value(json_object_get(body, "step_token"));
    idstep_t step;
    const char *bad = NULL;
    if (step_token) {
        cer.kind = IDCEREMONY_SECOND;
        if (strlen(step_token) >= sizeof(cer.bound) ||
            idstep_get(svc->login, step_token, IDSTEP_MFA, &step))
            bad = "step";
        else {
            snprintf(cer.bound, sizeof(cer.bound), "%s", step_token);
            cer.uid = step.uid;
        }
    } else {
        cer.kind = IDCEREMONY_PASSWORDLESS;
        const char *why = api_id_target(body, &cer.target);
        if (why)
            bad = "target";
    }
    json_decref(body);
    if (bad) {
        if (strcmp(bad, "step") == 0) {
            idlogin_step_failed(r, svc->login);
            return http_reply_error(r, 401, "invalid_step", "log in again");
        }
        return http_reply_error(r, 400, "bad_request", "app, rd and n: as the gateway gave them");
    }
    creds_t *k = calloc(1, sizeof(*k));
    if (!k)
        return http_reply_error(r, 500, "internal", "out of memory");
    int st = cer.uid ? wa_cred_list(r->ctl->store, cer.uid, collect, k) : STORE_OK;
    rp_t rp;
    rp_of(r, &rp);
    json_t *options = NULL;
    if (st == STORE_OK && (!cer.uid || k->n) && !webauthn_challenge(cer.challenge)) {
        /* a passkey alone must verify its user (PIN, biometrics): two factors */
        webauthn_request_request_t req = {.rp_id = rp.rp_id,
                                          .challenge = cer.challenge,
                                          .challenge_len = sizeof(cer.challenge),
                                          .allow = k->refs,
                                          .n_allow = k->n,
                                          .user_verification =
                                              cer.uid ? "discouraged" : "required"};
        options = webauthn_request_options(&req);
    }
    size_t n = k->n;
    free(k);
    if (st != STORE_OK)
        return api_store_error(r, st);
    if (cer.uid && !n)
        return http_reply_error(r, 400, "no_credentials", "this account has no security key");
    char handle[IDCEREMONY_HANDLE_LEN + 1];
    if (!options || idceremony_put(svc->webauthn, &cer, handle)) {
        json_decref(options);
        return http_reply_error(r, 503, "busy", "too many logins in progress; try again");
    }
    return http_reply_json(r, 200,
                           json_pack("{s:s, s:o}", "ceremony", handle, "publicKey", options));
}

/* Verifies the assertion in text against the stored credential row. */
static webauthn_result_t assertion_check(http_req_t *r, const idceremony_t *cer, const char *text,
                                         wa_cred_t *row, webauthn_assertion_result_t *out,
                                         char *err, size_t err_size)
{
    webauthn_response_t resp;
    webauthn_result_t res =
        webauthn_response_parse(text, strlen(text), WEBAUTHN_AUTHENTICATION, &resp, err, err_size);
    if (res != WEBAUTHN_OK)
        return res;
    char id[WA_CRED_ID_B64_MAX + 1];
    unsigned char key[WA_PUBKEY_B64_MAX], handle[WEBAUTHN_USER_HANDLE_MAX];
    long key_len = -1, handle_len = -1;
    res = WEBAUTHN_ERR_CREDENTIAL;
    snprintf(err, err_size, "not a registered credential");
    if (resp.credential_id_len <= WEBAUTHN_CREDENTIAL_ID_MAX) {
        secret_base64url(resp.credential_id, resp.credential_id_len, id);
        if (wa_cred_get(r->ctl->store, id, row) == STORE_OK &&
            (cer->uid == 0 || row->user_id == cer->uid)) {
            key_len = base64url_decode(row->public_key, strlen(row->public_key), key, sizeof(key));
            handle_len = base64url_decode(row->user_handle, strlen(row->user_handle), handle,
                                          sizeof(handle));
        }
    }
    if (key_len > 0 && handle_len > 0) {
        rp_t rp;
        rp_of(r, &rp);
        webauthn_assertion_policy_t policy = {.refuse_cloned = 1};
        ceremony_of(&rp, cer, cer->kind == IDCEREMONY_PASSWORDLESS, &policy.ceremony);
        webauthn_stored_credential_t stored = {.credential_id = resp.credential_id,
                                               .credential_id_len = resp.credential_id_len,
                                               .public_key = key,
                                               .public_key_len = (size_t)key_len,
                                               .sign_count = (uint32_t)row->sign_count,
                                               .user_handle = handle,
                                               .user_handle_len = (size_t)handle_len};
        res = webauthn_assertion_verify(&policy, &stored, &resp, out, err, err_size);
        /* a passkey login learns its user from the credential: the
         * authenticator must name the same user handle */
        if (res == WEBAUTHN_OK && cer->kind == IDCEREMONY_PASSWORDLESS && !resp.user_handle_len) {
            res = WEBAUTHN_ERR_CREDENTIAL;
            snprintf(err, err_size, "a passkey login needs the user handle");
        }
    }
    webauthn_response_clear(&resp);
    return res;
}

enum MHD_Result api_id_webauthn_login_finish(http_req_t *r)
{
    enum MHD_Result rc;
    json_t *body = before_login(r, &rc);
    if (!body)
        return rc;
    idservice_t *svc = r->ctl->identity;
    idceremony_t cer;
    idstep_t step;
    const char *handle = json_string_value(json_object_get(body, "ceremony"));
    int known = idceremony_take(svc->webauthn, handle, &cer) == 0 &&
                (cer.kind == IDCEREMONY_PASSWORDLESS ||
                 (cer.kind == IDCEREMONY_SECOND &&
                  idstep_get(svc->login, cer.bound, IDSTEP_MFA, &step) == 0));
    char *text = known ? credential_text(body) : NULL;
    json_decref(body);
    if (!known) {
        idlogin_step_failed(r, svc->login);
        idevent(r, "mfa.failure", "denied", 401, NULL,
                json_pack("{s:s, s:s}", "method", "webauthn", "reason", "ceremony"));
        return http_reply_error(r, 401, "invalid_step", "log in again");
    }
    wa_cred_t row;
    webauthn_assertion_result_t out;
    char err[160] = "not a credential";
    memset(&row, 0, sizeof(row));
    webauthn_result_t res = text ? assertion_check(r, &cer, text, &row, &out, err, sizeof(err))
                                 : WEBAUTHN_ERR_MALFORMED;
    free(text);
    dir_user_t u;
    int have_user = row.user_id && dir_user_get_id(r->ctl->store, row.user_id, &u) == STORE_OK;
    if (res == WEBAUTHN_ERR_CLONED)
        idevent(r, "mfa.clone_warning", "denied", 401, have_user ? u.name : NULL,
                json_pack("{s:s, s:I, s:I}", "method", "webauthn", "credential", (json_int_t)row.id,
                          "stored_count", (json_int_t)row.sign_count));
    if (res != WEBAUTHN_OK || !have_user) {
        if (have_user)
            idlogin_factor_failed(r, svc->login, &u);
        else
            idlogin_step_failed(r, svc->login);
        idevent(r, "mfa.failure", "denied", 401, have_user ? u.name : NULL,
                json_pack("{s:s, s:s}", "method", "webauthn", "reason", webauthn_result_name(res)));
        return http_reply_error(r, 401, "invalid_credential", "the security key was not accepted");
    }
    int retry = idlogin_throttled(r, svc->login, u.name);
    if (retry > 0)
        return api_id_throttled(r, u.name, retry, "throttled");
    wa_cred_used(r->ctl->store, row.id, out.sign_count, time_now_ms());
    if (strcmp(u.state, "active") != 0 || u.locked_until > time_now_ms())
        return http_reply_error(r, 401, "invalid_step", "log in again");
    if (cer.kind == IDCEREMONY_SECOND) {
        idstep_delete(svc->login, cer.bound);
        char amr[48];
        snprintf(amr, sizeof(amr), "%s,hwk,mfa", step.amr);
        return api_id_complete(r, &u, amr, &step.target);
    }
    return api_id_complete(r, &u, "hwk,mfa", &cer.target);
}
