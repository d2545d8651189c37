/*
 * api_id_mfa.c — the portal's second factor and account self-service:
 *
 *   POST /api/v1/id/mfa {step_token, code | recovery_code}   completes a
 *        login that needs TOTP (amr "pwd,otp,mfa"); a used time step is
 *        refused (replay); a recovery code works once
 *   POST /api/v1/id/password {new_password, current_password | step_token}
 *   GET  /api/v1/id/sessions, DELETE /api/v1/id/sessions/{sid}
 *   POST /api/v1/id/totp/enrol   a new secret (pending): otpauth:// URI, QR SVG
 *   POST /api/v1/id/totp/confirm {code}   activates it; answers 10 recovery
 *        codes, once (stored as SHA-256)
 *   POST /api/v1/id/totp/disable {code}
 *
 * TOTP secrets are sealed (idcrypt.h, purpose "totp:<uid>"). Every factor
 * change is an identity event; a password change or disabling TOTP
 * revokes the user's sessions (the browser making the change gets a new
 * one after a password change).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "api_id.h"
#include "idcrypt.h"
#include "idevent.h"
#include "idpassword.h"
#include "idsession.h"
#include "password.h"
#include "secret.h"
#include "store_idsess.h"
#include "timefmt.h"
#include "totp.h"

#define RECOVERY_CODES    10
#define RECOVERY_CODE_LEN 10

static void totp_purpose(int64_t uid, char out[40])
{
    snprintf(out, 40, "totp:%" PRId64, uid);
}

/* 1 when code is the user's current TOTP code and its step is unused. */
static int totp_ok(http_req_t *r, const dir_user_t *u, const char *code)
{
    char purpose[40];
    unsigned char key[IDCRYPT_MAX_PLAIN];
    totp_purpose(u->id, purpose);
    int n = idcrypt_open(purpose, u->totp_secret, key);
    int64_t step = 0;
    int ok = n > 0 && totp_verify(TOTP_SHA1, key, (size_t)n, time_now_ms() / 1000, code, &step);
    secret_wipe(key, sizeof(key));
    return ok && dir_user_totp_step(r->ctl->store, u->id, step) == STORE_OK;
}

static void recovery_hash(const char *code, char hex[65])
{
    unsigned char h[SECRET_SHA256_LEN];
    secret_sha256(code, strlen(code), h);
    for (int i = 0; i < SECRET_SHA256_LEN; i++)
        snprintf(hex + 2 * i, 3, "%02x", h[i]);
}

enum MHD_Result api_id_mfa(http_req_t *r)
{
    enum MHD_Result rc;
    if (api_id_same_origin(r, &rc))
        return rc;
    json_t *body = http_json_body(r, &rc);
    if (!body)
        return rc;
    idservice_t *svc = r->ctl->identity;
    char token[IDSTEP_TOKEN_LEN + 2] = "";
    const char *token_in = json_string_value(json_object_get(body, "step_token"));
    if (token_in)
        snprintf(token, sizeof(token), "%s", token_in); /* used after the body is gone */
    const char *code = json_string_value(json_object_get(body, "code"));
    const char *recovery = json_string_value(json_object_get(body, "recovery_code"));
    idstep_t step;
    dir_user_t u;
    int retry = idlogin_step_throttled(r, svc->login); /* the address, before anything */
    if (retry > 0) {
        json_decref(body);
        return api_id_throttled(r, NULL, retry, "throttled");
    }
    if (!token[0] || (!code && !recovery) || idstep_get(svc->login, token, IDSTEP_MFA, &step) ||
        dir_user_get_id(r->ctl->store, step.uid, &u) != STORE_OK) {
        json_decref(body);
        idlogin_step_failed(r, svc->login);
        idevent(r, "mfa.failure", "denied", 401, NULL, json_pack("{s:s}", "reason", "step"));
        return http_reply_error(r, 401, "invalid_step", "log in again");
    }
    retry = idlogin_throttled(r, svc->login, u.name);
    if (retry > 0) {
        json_decref(body);
        return api_id_throttled(r, u.name, retry, "throttled");
    }
    int ok = 0;
    const char *method = code ? "otp" : "recovery";
    if (code) {
        ok = u.totp_state == DIR_TOTP_ACTIVE && totp_ok(r, &u, code);
    } else {
        char hex[65];
        recovery_hash(recovery, hex);
        ok = dir_recovery_use(r->ctl->store, u.id, hex) == STORE_OK;
    }
    json_decref(body);
    if (!ok) {
        idlogin_factor_failed(r, svc->login, &u);
        idevent(r, "mfa.failure", "denied", 401, u.name, json_pack("{s:s}", "method", method));
        return http_reply_error(r, 401, "invalid_code", "wrong or already used code");
    }
    idstep_delete(svc->login, token);
    if (!code) {
        int64_t left = 0;
        dir_recovery_count(r->ctl->store, u.id, &left);
        idevent(r, "mfa.recovery_code_used", "success", 200, u.name,
                json_pack("{s:I}", "left", (json_int_t)left));
    }
    if (strcmp(u.state, "active") != 0 || u.locked_until > time_now_ms())
        return http_reply_error(r, 401, "invalid_step", "log in again");
    return api_id_complete(r, &u, "pwd,otp,mfa", &step.target);
}

/* ---- password ----------------------------------------------------------------------- */

enum MHD_Result api_id_password(http_req_t *r)
{
    enum MHD_Result rc;
    json_t *body = http_json_body(r, &rc);
    if (!body)
        return rc;
    idservice_t *svc = r->ctl->identity;
    char step_buf[IDSTEP_TOKEN_LEN + 2] = "";
    const char *step_in = json_string_value(json_object_get(body, "step_token"));
    if (step_in)
        snprintf(step_buf, sizeof(step_buf), "%s", step_in); /* used after the body is gone */
    const char *step_token = step_in ? step_buf : NULL;
    const char *current = json_string_value(json_object_get(body, "current_password"));
    const char *fresh = json_string_value(json_object_get(body, "new_password"));
    dir_user_t u;
    idclaims_t c;
    idstep_t step;
    int via_step = step_token != NULL;
    if (via_step) {
        if (api_id_same_origin(r, &rc) == 0 &&
            (idstep_get(svc->login, step_token, IDSTEP_PASSWORD, &step) ||
             dir_user_get_id(r->ctl->store, step.uid, &u) != STORE_OK))
            rc = http_reply_error(r, 401, "invalid_step", "log in again");
        if (r->replied) {
            json_decref(body);
            return rc;
        }
    } else if (api_id_caller(r, 1, &c, &u, &rc)) {
        json_decref(body);
        return rc;
    } else {
        int retry = idlogin_throttled(r, svc->login, u.name);
        if (retry > 0) {
            json_decref(body);
            return api_id_throttled(r, u.name, retry, "throttled");
        }
        if (!current || password_verify(u.pw_hash, current) != 1) {
            json_decref(body);
            idlogin_factor_failed(r, svc->login, &u);
            idevent(r, "password.change", "denied", 401, u.name, NULL);
            return http_reply_error(r, 401, "invalid_credentials", "the current password is wrong");
        }
    }
    const char *why = idpw_set(r->cfg, &u, fresh);
    json_decref(body);
    if (why) {
        idevent(r, "password.change", "failure", 400, u.name, json_pack("{s:s}", "reason", why));
        return http_reply_error(r, 400, "weak_password", why);
    }
    u.updated = time_now_ms();
    int st = dir_user_update(r->ctl->store, NULL, &u);
    if (st != STORE_OK)
        return api_store_error(r, st);
    idsession_revoke_user(r->ctl, u.id, "password changed");
    idevent(r, "password.change", "success", 200, u.name, NULL);
    if (via_step) {
        idstep_delete(svc->login, step_token);
        return api_id_complete(r, &u, step.amr, &step.target);
    }
    /* this browser stays logged in: a new session after the revocation */
    return api_id_complete(r, &u, c.amr, NULL);
}

/* ---- the user's own sessions ------------------------------------------------------- */

static int add_session(void *ctx, const idsess_t *s)
{
    void **args = ctx;
    const char *current = args[1];
    char created[TIME_RFC3339_MAX], expires[TIME_RFC3339_MAX];
    time_format_rfc3339(s->created, created);
    time_format_rfc3339(s->expires, expires);
    json_array_append_new(args[0],
                          json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "sid", s->sid,
                                    "user", s->user, "amr", s->amr, "app", s->app, "client",
                                    s->client, "created", created, "expires", expires, "current",
                                    current && strcmp(current, s->sid) == 0));
    return 0;
}

json_t *api_id_session_list(store_t *s, int64_t uid, const char *current, int *rc)
{
    json_t *list = json_array();
    void *args[2] = {list, (void *)current};
    *rc = idsess_list(s, uid, 1000, add_session, args);
    return list;
}

enum MHD_Result api_id_sessions(http_req_t *r)
{
    enum MHD_Result rc;
    idclaims_t c;
    dir_user_t u;
    if (api_id_caller(r, 0, &c, &u, &rc))
        return rc;
    int st;
    json_t *list = api_id_session_list(r->ctl->store, u.id, c.sid, &st);
    if (st != STORE_OK) {
        json_decref(list);
        return api_store_error(r, st);
    }
    return http_reply_json(r, 200, json_pack("{s:o}", "sessions", list));
}

enum MHD_Result api_id_session_revoke(http_req_t *r)
{
    enum MHD_Result rc;
    idclaims_t c;
    dir_user_t u;
    if (api_id_caller(r, 1, &c, &u, &rc))
        return rc;
    idsess_t s;
    if (idsess_get(r->ctl->store, r->arg, &s) != STORE_OK || s.user_id != u.id)
        return http_reply_error(r, 404, "not_found", "no such session of yours");
    idsession_revoke_sid(r->ctl, s.sid, s.expires / 1000, "revoked by the user");
    idevent(r, "session.revoke", "success", 204, u.name, json_pack("{s:s}", "sid", s.sid));
    return http_reply(r, 204, NULL, NULL, 0);
}

/* ---- TOTP enrolment ---------------------------------------------------------------- */

enum MHD_Result api_id_totp_enrol(http_req_t *r)
{
    enum MHD_Result rc;
    idclaims_t c;
    dir_user_t u;
    if (api_id_caller(r, 1, &c, &u, &rc))
        return rc;
    if (u.totp_state == DIR_TOTP_ACTIVE)
        return http_reply_error(r, 409, "conflict", "TOTP is active; disable it first");
    unsigned char key[TOTP_SECRET_LEN];
    char purpose[40], b32[64], uri[512];
    totp_purpose(u.id, purpose);
    if (secret_random(key, sizeof(key)) || idcrypt_seal(purpose, key, sizeof(key), u.totp_secret)) {
        secret_wipe(key, sizeof(key));
        return http_reply_error(r, 500, "internal", "cannot make a secret");
    }
    totp_base32(key, sizeof(key), b32);
    secret_wipe(key, sizeof(key));
    u.totp_state = DIR_TOTP_PENDING;
    u.totp_last_step = 0;
    u.updated = time_now_ms();
    int st = dir_user_update(r->ctl->store, NULL, &u);
    char *svg = NULL;
    if (st == STORE_OK &&
        totp_uri(r->cfg->id.totp_issuer, u.name, b32, TOTP_SHA1, uri, sizeof(uri)) == 0)
        svg = totp_qr_svg(uri);
    if (!svg) {
        secret_wipe(b32, sizeof(b32));
        return st != STORE_OK ? api_store_error(r, st)
                              : http_reply_error(r, 500, "internal", "cannot draw the QR code");
    }
    idevent(r, "mfa.enrol.start", "success", 200, u.name, NULL);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:i}", "secret", b32, "otpauth_uri", uri,
                          "qr_svg", svg, "algorithm", "SHA1", "digits", 6, "period", TOTP_STEP_S);
    secret_wipe(b32, sizeof(b32));
    secret_wipe(uri, sizeof(uri));
    free(svg);
    return http_reply_json(r, 200, o);
}

/* The code of the body, checked against the user's TOTP (any state but none). */
static int body_code_ok(http_req_t *r, dir_user_t *u, enum MHD_Result *rc)
{
    json_t *body = http_json_body(r, rc);
    if (!body)
        return -1;
    const char *code = json_string_value(json_object_get(body, "code"));
    int ok = code && u->totp_state != DIR_TOTP_NONE && totp_ok(r, u, code);
    json_decref(body);
    if (!ok) {
        idlogin_factor_failed(r, r->ctl->identity->login, u);
        idevent(r, "mfa.failure", "denied", 401, u->name, json_pack("{s:s}", "method", "otp"));
        *rc = http_reply_error(r, 401, "invalid_code", "wrong or already used code");
        return -1;
    }
    return dir_user_get_id(r->ctl->store, u->id, u) == STORE_OK ? 0 : -1; /* the new last step */
}

enum MHD_Result api_id_totp_confirm(http_req_t *r)
{
    enum MHD_Result rc;
    idclaims_t c;
    dir_user_t u;
    if (api_id_caller(r, 1, &c, &u, &rc))
        return rc;
    if (u.totp_state != DIR_TOTP_PENDING)
        return http_reply_error(r, 409, "conflict", "start with POST /api/v1/id/totp/enrol");
    if (body_code_ok(r, &u, &rc))
        return r->replied ? rc : api_store_error(r, STORE_ERROR);
    char codes[RECOVERY_CODES][RECOVERY_CODE_LEN + 1], hashes[RECOVERY_CODES][65];
    const char *hash_ptrs[RECOVERY_CODES];
    json_t *shown = json_array();
    for (int i = 0; i < RECOVERY_CODES; i++) {
        if (secret_password(codes[i], RECOVERY_CODE_LEN)) {
            json_decref(shown);
            return http_reply_error(r, 500, "internal", "no randomness");
        }
        recovery_hash(codes[i], hashes[i]);
        hash_ptrs[i] = hashes[i];
        json_array_append_new(shown, json_string(codes[i]));
    }
    secret_wipe(codes, sizeof(codes));
    u.totp_state = DIR_TOTP_ACTIVE;
    u.updated = time_now_ms();
    int st = dir_user_update(r->ctl->store, NULL, &u);
    if (st == STORE_OK)
        st = dir_recovery_set(r->ctl->store, u.id, hash_ptrs, RECOVERY_CODES);
    if (st != STORE_OK) {
        json_decref(shown);
        return api_store_error(r, st);
    }
    idevent(r, "mfa.enrol", "success", 200, u.name, json_pack("{s:s}", "method", "totp"));
    return http_reply_json(r, 200,
                           json_pack("{s:s, s:o}", "status", "active", "recovery_codes", shown));
}

enum MHD_Result api_id_totp_disable(http_req_t *r)
{
    enum MHD_Result rc;
    idclaims_t c;
    dir_user_t u;
    if (api_id_caller(r, 1, &c, &u, &rc))
        return rc;
    if (body_code_ok(r, &u, &rc))
        return r->replied ? rc : api_store_error(r, STORE_ERROR);
    u.totp_state = DIR_TOTP_NONE;
    u.totp_secret[0] = '\0';
    u.updated = time_now_ms();
    int st = dir_user_update(r->ctl->store, NULL, &u);
    if (st == STORE_OK)
        st = dir_recovery_set(r->ctl->store, u.id, NULL, 0);
    if (st != STORE_OK)
        return api_store_error(r, st);
    idsession_revoke_user(r->ctl, u.id, "MFA disabled");
    api_id_clear_cookie(r);
    idevent(r, "mfa.disable", "success", 204, u.name, json_pack("{s:s}", "method", "totp"));
    return http_reply(r, 204, NULL, NULL, 0);
}
